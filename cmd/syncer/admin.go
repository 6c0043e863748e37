package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/rs/zerolog"
	"riverqueue.com/riverui"
)

// adminHandler serves River UI at /riverui/, behind basic auth when the
// configuration has a user (it must beyond loopback: River UI can cancel and
// retry jobs). Its background work stops with ctx.
func (a *app) adminHandler(ctx context.Context, client *river.Client[pgx.Tx]) (http.Handler, error) {
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    slog.New(zerolog.NewSlogHandler(a.log.With().Str("component", "riverui").Logger().Level(max(a.log.GetLevel(), zerolog.WarnLevel)))),
		Prefix:    "/riverui",
	})
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	if err := ui.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river ui: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/riverui/", ui)
	mux.Handle("GET /{$}", http.RedirectHandler("/riverui/", http.StatusFound))
	return basicAuth(a.cfg.AdminUser, a.cfg.AdminPassword.Reveal(), mux), nil
}

// basicAuth requires user and password on every request; with no user it
// lets everything through (a loopback address, which configuration checks).
func basicAuth(user, password string, next http.Handler) http.Handler {
	if user == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		// Both compared, always, in constant time: no early exit tells
		// which was wrong.
		userOK := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
		passOK := subtle.ConstantTimeCompare([]byte(p), []byte(password)) == 1
		if !ok || !userOK || !passOK {
			w.Header().Set("WWW-Authenticate", `Basic realm="syncer admin", charset="UTF-8"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
