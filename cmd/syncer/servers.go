package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// maxHeaderBytes bounds a request's headers: the vendors' webhooks and the
// operators' requests send a few hundred bytes of them.
const maxHeaderBytes = 64 << 10

// httpServer is one of the daemon's listeners: the operator's endpoints,
// River UI, webhooks.
type httpServer struct {
	ln  net.Listener
	srv *http.Server
}

// listen serves h on addr; setting names the address's configuration in
// errors. Serving errors after the start are logged.
func (a *app) listen(addr, setting string, h http.Handler) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageError{fmt.Errorf("listen on %s (%s): %w", addr, setting, err)}
	}
	// A client must send its request in time, and headers of a sane size:
	// the webhook port may face the internet, where trickled bodies would
	// otherwise hold connections open, and Go's default allows a megabyte
	// of headers a request.
	s := &httpServer{ln: ln, srv: &http.Server{
		Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: maxHeaderBytes,
	}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error().Err(err).Str("addr", addr).Msg("http server")
		}
	}()
	return s, nil
}

// URL is where the server answers path, its port resolved; empty for a
// server that is off (nil).
func (s *httpServer) URL(path string) string {
	if s == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String() + path
}

// close stops accepting requests and waits a little for those in flight; a
// server that is off (nil) has nothing to stop.
func (s *httpServer) close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
