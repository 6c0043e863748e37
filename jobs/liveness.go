package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
)

// Liveness timing: a process heartbeats every heartbeatEvery; one silent for
// staleAfter is dead, and the jobs it was running go back to the queue.
// River's own rescue of stuck jobs waits for the job timeout and more, which
// would make `syncer backfill`, re-run after a kill, sit idle for minutes.
const (
	heartbeatEvery = 3 * time.Second
	staleAfter     = 15 * time.Second
	// orphanDelay is how long after a database outage the jobs it orphaned
	// are released: River records the ends of the jobs that finished during
	// the outage within a second of the database answering.
	orphanDelay = 5 * time.Second
)

// NewClientID names a process uniquely, readably for operators.
func NewClientID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("syncer-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Liveness registers this process, keeps its heartbeat, and releases the
// jobs of processes that died. At each heartbeat it also tells the sources'
// pacers how many processes share their rate limits, and shares what they
// learned of those limits with the other processes.
type Liveness struct {
	pool     *pgxpool.Pool
	clientID string
	log      zerolog.Logger
	sources  map[string]fetcher.Source
	reach    map[string]*fetcher.Reach
	deps     *Deps
	// orphansReleased is the end of the last outage whose orphaned jobs
	// were released (only Run's goroutine touches it); orphanDelay is
	// orphanDelay but in tests.
	orphansReleased time.Time
	orphanDelay     time.Duration
}

// NewLiveness returns the liveness keeper of the process named clientID
// (the River client's ID), which works the sources of d.
func NewLiveness(d *Deps, clientID string) *Liveness {
	return &Liveness{pool: d.Pool, clientID: clientID, log: d.Logger, sources: d.Sources, reach: d.Reach, deps: d, orphanDelay: orphanDelay}
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
	l.adoptRates(ctx)
	return l.release(ctx)
}

// countPeers tells the pacers how many processes share the rate limits.
func (l *Liveness) countPeers(ctx context.Context) {
	n, err := dbq.New(l.pool).LiveProcesses(ctx, staleAfter.Seconds())
	if err != nil {
		l.warn(err).Msg("count live processes")
		return
	}
	for _, src := range l.sources {
		src.Pacer().SetPeers(int(n))
	}
}

// adoptRates starts the pacers at the rates other processes learned within
// the hour, so that a process joining a source does not probe for it anew.
func (l *Liveness) adoptRates(ctx context.Context) {
	q := dbq.New(l.pool)
	for name, src := range l.sources {
		rate, err := q.RecentSourceRate(ctx, name)
		switch {
		case isNoRows(err):
		case err != nil:
			l.warn(err).Str("source", name).Msg("read the rate learned for the source")
		default:
			src.Pacer().AdoptRate(rate)
		}
	}
}

// shareRates records the rates this process has learned, for the others.
func (l *Liveness) shareRates(ctx context.Context) {
	q := dbq.New(l.pool)
	for name, src := range l.sources {
		rate, ok := src.Pacer().LearnedRate()
		if !ok {
			continue
		}
		if err := q.RecordSourceRate(ctx, dbq.RecordSourceRateParams{Source: name, RequestsPerSecond: rate}); err != nil && ctx.Err() == nil {
			l.warn(err).Str("source", name).Msg("record the rate learned for the source")
		}
	}
}

// Run beats every few seconds until ctx ends, then deregisters the process.
func (l *Liveness) Run(ctx context.Context) {
	ticker := time.NewTicker(heartbeatEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = dbq.New(l.pool).Deregister(dctx, l.clientID)
			_ = dbq.New(l.pool).ForgetSourceReach(dctx, l.clientID)
			return
		case <-ticker.C:
		}
		l.Beat(ctx)
	}
}

// Beat is one heartbeat: it says this process is alive, releases the jobs
// of dead ones, tells the pacers how many processes share the sources, and
// shares the rates this process learned and whether it reaches the sources.
func (l *Liveness) Beat(ctx context.Context) {
	host, _ := os.Hostname()
	if err := dbq.New(l.pool).Heartbeat(ctx, dbq.HeartbeatParams{ClientID: l.clientID, Hostname: host, Pid: int32(os.Getpid())}); err != nil && ctx.Err() == nil {
		l.warn(err).Msg("heartbeat")
	}
	// After an outage of the database, every process's last heartbeat is
	// old: none is taken for dead until each had time to beat again.
	if !l.deps.DB.State().RecentlyDown(staleAfter) {
		if err := l.release(ctx); err != nil && ctx.Err() == nil {
			l.warn(err).Msg("release jobs of dead processes")
		}
	}
	l.releaseOrphans(ctx)
	l.countPeers(ctx)
	l.shareRates(ctx)
	l.shareReach(ctx)
	if err := l.deps.flushWebhooks(ctx); err != nil && ctx.Err() == nil {
		l.warn(err).Msg("record the webhooks received")
	}
}

// shareReach records whether this process reaches each source's API, for
// `status`.
func (l *Liveness) shareReach(ctx context.Context) {
	q := dbq.New(l.pool)
	for name, r := range l.reach {
		st := r.State()
		p := dbq.RecordSourceReachParams{Source: name, ClientID: l.clientID, Failures: int32(min(st.Failures, math.MaxInt32))}
		if !st.Up() {
			p.DownSince, p.LastError = &st.DownSince, &st.LastError
		}
		if err := q.RecordSourceReach(ctx, p); err != nil && ctx.Err() == nil {
			l.warn(err).Str("source", name).Msg("record whether the source answers")
		}
	}
}

// releaseOrphans hands back, once after each database outage, the jobs
// River handed this process in an answer the outage lost: they are recorded
// as running here, nothing works on them, and River would only rescue them
// after the job timeout. It waits a few seconds after the outage, for River
// to record how the jobs that ended meanwhile ended.
func (l *Liveness) releaseOrphans(ctx context.Context) {
	st := l.deps.DB.State()
	if !st.Up() || !st.UpSince.After(l.orphansReleased) || time.Since(st.UpSince) < l.orphanDelay {
		return
	}
	ids, err := l.handBack(ctx, func(q *dbq.Queries) ([]int64, error) {
		return q.ReleaseOrphanedJobs(ctx, dbq.ReleaseOrphanedJobsParams{
			ClientID: l.clientID, TakenBefore: st.UpSince, Working: l.deps.working.list(),
		})
	})
	if err != nil {
		l.warn(err).Msg("release the jobs lost in the database outage")
		return
	}
	l.orphansReleased = st.UpSince
	if len(ids) > 0 {
		l.log.Info().Int("jobs", len(ids)).Msg("released the jobs whose hand-over the database outage lost")
	}
}

// warn logs a failed heartbeat's write at warn, or at debug when the
// database is down: the outage is said once, by the database's health,
// which the failure feeds.
func (l *Liveness) warn(err error) *zerolog.Event {
	if l.deps.DB.Observe(err) {
		return l.log.Debug().Err(err)
	}
	return l.log.Warn().Err(err)
}

func (l *Liveness) release(ctx context.Context) error {
	ids, err := l.handBack(ctx, func(q *dbq.Queries) ([]int64, error) {
		return q.ReleaseJobsOfDeadProcesses(ctx, staleAfter.Seconds())
	})
	if err != nil {
		return fmt.Errorf("release jobs of dead processes: %w", err)
	}
	if len(ids) > 0 {
		l.log.Info().Int("jobs", len(ids)).Msg("released the jobs of a process that died")
	}
	return dbq.New(l.pool).ForgetDeadProcesses(ctx)
}

// handBack runs release, which hands jobs back to the queue, and discards,
// in the same transaction, those of them whose attempts ran out (see
// DiscardSpentJobs), then settles those as a worker settles a job River
// gives up on. It returns the ids release handed back.
func (l *Liveness) handBack(ctx context.Context, release func(q *dbq.Queries) ([]int64, error)) (ids []int64, _ error) {
	var discarded []dbq.DiscardSpentJobsRow
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		q := dbq.New(tx)
		var err error
		if ids, err = release(q); err != nil || len(ids) == 0 {
			return err
		}
		if discarded, err = q.DiscardSpentJobs(ctx, ids); err != nil {
			return fmt.Errorf("discard the jobs handed back whose attempts ran out: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, job := range discarded {
		l.log.Error().Int64("job_id", job.ID).Str("kind", job.Kind).
			Msg("discarded a job whose process died while running it, at every attempt it had")
		l.deps.settleDiscarded(ctx, job)
	}
	return ids, nil
}
