//go:build !unix

package pgcluster

import (
	"errors"
	"syscall"
)

// osUser is the unprivileged OS user that runs PostgreSQL when the caller is root (unix only).
type osUser struct{ name string }

func unprivilegedUser() (*osUser, error) {
	return nil, errors.New("dropping privileges is only supported on unix")
}

func (u *osUser) own(string) error {
	return errors.New("dropping privileges is only supported on unix")
}

func sysProcAttr(*osUser) *syscall.SysProcAttr { return nil }
