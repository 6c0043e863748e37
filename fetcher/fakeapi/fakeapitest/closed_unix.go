//go:build unix

package fakeapitest

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// ClosedAddr is a local address (host:port) where nothing listens, and
// nothing will while the test runs: a socket bound to it, not listening,
// holds the port, so a connection to it is refused. A port merely closed
// after a listen could be handed to another test's server meanwhile, which
// would then answer.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	// Not inherited by the processes a test starts, which would hold the
	// port on.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
