//go:build unix

package pgcluster

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// osUser is the unprivileged OS user that runs PostgreSQL when the caller is root.
type osUser struct {
	name     string
	uid, gid uint32
}

// unprivilegedUser returns the OS user postgres, or nobody if there is none.
func unprivilegedUser() (*osUser, error) {
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err := strconv.ParseUint(u.Uid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
		}
		gid, err := strconv.ParseUint(u.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
		}
		return &osUser{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("PostgreSQL refuses to run as root and no unprivileged user to run it as: %v", errs)
}

// own gives dir to the user and makes every parent of dir traversable by it.
func (u *osUser) own(dir string) error {
	if err := os.Chown(dir, int(u.uid), int(u.gid)); err != nil {
		return err
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		traversable := info.Mode()&0o001 != 0 || (ok && st.Uid == u.uid && info.Mode()&0o100 != 0)
		if !traversable {
			if err := os.Chmod(p, info.Mode()|0o001); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// sysProcAttr makes a PostgreSQL command run as u (when not nil) in its own process group, so
// that a Ctrl-C meant for the caller does not also shut the server down.
func sysProcAttr(u *osUser) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if u != nil {
		attr.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid}
	}
	return attr
}
