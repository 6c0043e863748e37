package config

import (
	"fmt"
	"strconv"
	"time"
)

// positiveFlag is a flag of a number that refuses values of 0 or less: the
// flag's zero stands for "not given" (the environment and the file come
// next), so a 0 on the command line must not be taken for it.
type positiveFlag[T int | time.Duration] struct {
	to    *T
	parse func(string) (T, error)
	want  string // what the flag takes, for its error
}

func (v positiveFlag[T]) String() string {
	if v.to == nil {
		var zero T
		return fmt.Sprint(zero)
	}
	return fmt.Sprint(*v.to)
}

func (v positiveFlag[T]) Set(s string) error {
	n, err := v.parse(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("want %s", v.want)
	}
	*v.to = n
	return nil
}

func positiveInt(to *int) positiveFlag[int] {
	return positiveFlag[int]{to: to, parse: strconv.Atoi, want: "a whole number of at least 1"}
}

func positiveDuration(to *time.Duration) positiveFlag[time.Duration] {
	return positiveFlag[time.Duration]{to: to, parse: time.ParseDuration, want: "a positive duration like 90s or 5m"}
}
