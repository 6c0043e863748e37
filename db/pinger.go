package db

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pinger pings the database over a connection of its own, outside the
// pool, for Health.Watch: a ping through the pool would wait for a free
// connection, and a pool busy with long pages would pass for a database
// that does not answer. The connection is opened again after any failure.
// It is for one goroutine.
type Pinger struct {
	cfg  *pgx.ConnConfig
	conn *pgx.Conn
}

// NewPinger returns a Pinger that connects with cfg (the pool's, say).
func NewPinger(cfg *pgx.ConnConfig) *Pinger {
	return &Pinger{cfg: cfg.Copy()}
}

// Ping checks that the server answers, connecting first if need be.
func (p *Pinger) Ping(ctx context.Context) error {
	if p.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			return err
		}
		p.conn = conn
	}
	if err := p.conn.Ping(ctx); err != nil {
		p.Close()
		return err
	}
	return nil
}

// Close closes the connection, if one is open, waiting at most a second
// for a server that may not answer.
func (p *Pinger) Close() {
	if p.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = p.conn.Close(ctx)
	p.conn = nil
}
