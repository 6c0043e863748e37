package config

import (
	"errors"
	"strconv"
	"time"
)

// positiveInt is an int flag that refuses values below 1: the flag's zero
// stands for "not given" (the environment and the file come next), so a 0
// on the command line must not be taken for it.
type positiveInt struct{ to *int }

func (v positiveInt) String() string {
	if v.to == nil {
		return "0"
	}
	return strconv.Itoa(*v.to)
}

func (v positiveInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a whole number of at least 1")
	}
	*v.to = n
	return nil
}

// positiveDuration is a duration flag that refuses durations of 0 or less,
// for the same reason.
type positiveDuration struct{ to *time.Duration }

func (v positiveDuration) String() string {
	if v.to == nil {
		return "0s"
	}
	return v.to.String()
}

func (v positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return errors.New("want a positive duration like 90s or 5m")
	}
	*v.to = d
	return nil
}
