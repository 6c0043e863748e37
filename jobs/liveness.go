package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db/dbq"
)

// Liveness timing: a process heartbeats every heartbeatEvery; one silent for
// staleAfter is dead, and the jobs it was running go back to the queue.
// River's own rescue of stuck jobs waits for the job timeout and more, which
// would make `syncer backfill`, re-run after a kill, sit idle for minutes.
const (
	heartbeatEvery = 3 * time.Second
	staleAfter     = 15 * time.Second
)

// NewClientID names a process uniquely, readably for operators.
func NewClientID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("syncer-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Liveness registers this process, keeps its heartbeat, and releases the
// jobs of processes that died.
type Liveness struct {
	pool     *pgxpool.Pool
	clientID string
	log      zerolog.Logger
	// PeersFunc, when set, is told at each heartbeat how many processes are
	// alive (this one included), to share the sources' rate limits.
	PeersFunc func(n int)
}

// NewLiveness returns the liveness keeper of the process named clientID
// (the River client's ID).
func NewLiveness(pool *pgxpool.Pool, clientID string, log zerolog.Logger) *Liveness {
	return &Liveness{pool: pool, clientID: clientID, log: log}
}

// Register records the process and releases what dead ones left running.
// Call it before starting the River client.
func (l *Liveness) Register(ctx context.Context) error {
	host, _ := os.Hostname()
	q := dbq.New(l.pool)
	if err := q.Heartbeat(ctx, dbq.HeartbeatParams{ClientID: l.clientID, Hostname: host, Pid: int32(os.Getpid())}); err != nil {
		return fmt.Errorf("register process: %w", err)
	}
	l.countPeers(ctx)
	return l.release(ctx)
}

func (l *Liveness) countPeers(ctx context.Context) {
	if l.PeersFunc == nil {
		return
	}
	n, err := dbq.New(l.pool).LiveProcesses(ctx, staleAfter.Seconds())
	if err != nil {
		l.log.Warn().Err(err).Msg("count live processes")
		return
	}
	l.PeersFunc(int(n))
}

// Run heartbeats and releases dead processes' jobs until ctx ends, then
// deregisters the process.
func (l *Liveness) Run(ctx context.Context) {
	host, _ := os.Hostname()
	q := dbq.New(l.pool)
	ticker := time.NewTicker(heartbeatEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = q.Deregister(dctx, l.clientID)
			return
		case <-ticker.C:
		}
		if err := q.Heartbeat(ctx, dbq.HeartbeatParams{ClientID: l.clientID, Hostname: host, Pid: int32(os.Getpid())}); err != nil && ctx.Err() == nil {
			l.log.Warn().Err(err).Msg("heartbeat")
		}
		if err := l.release(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn().Err(err).Msg("release jobs of dead processes")
		}
		l.countPeers(ctx)
	}
}

func (l *Liveness) release(ctx context.Context) error {
	q := dbq.New(l.pool)
	ids, err := q.ReleaseJobsOfDeadProcesses(ctx, staleAfter.Seconds())
	if err != nil {
		return fmt.Errorf("release jobs of dead processes: %w", err)
	}
	if len(ids) > 0 {
		l.log.Info().Int("jobs", len(ids)).Msg("released the jobs of a process that died")
	}
	return q.ForgetDeadProcesses(ctx)
}
