//go:build unix

package fakeapitest

import (
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClosedAddrRefusesConnections(t *testing.T) {
	t.Parallel()
	addr := ClosedAddr(t)
	_, err := net.Dial("tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		ln.Close()
	}
	require.Error(t, err, "no other server can take the port")
}
