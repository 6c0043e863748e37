//go:build !unix

package fakeapitest

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// ClosedAddr is a local address (host:port) where nothing listens. Here it
// is a port closed after a listen, which another test's server may be
// handed meanwhile; on Unix a bound socket holds it (see closed_unix.go).
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
