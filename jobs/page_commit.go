package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/syncerhq/syncer/db"
	"github.com/syncerhq/syncer/db/dbq"
	"github.com/syncerhq/syncer/fetcher"
	"github.com/syncerhq/syncer/record"
)

// pageCommit is everything one job commits atomically: the page's rows, the
// stream's checkpoint (through stepFunc), the job's own completion and the
// jobs that follow from it.
type pageCommit[T river.JobArgs] struct {
	job   *river.Job[T]
	ref   jobRef
	batch *record.Batch
	stats *fetcher.RequestStats
	// write says how the rows are written (see db.WriteOptions). A
	// transaction whose COPY met a row inserted concurrently is tried
	// again with UpsertOnly.
	write db.WriteOptions
	// lockFunc, when set, runs first in the transaction, before a row is
	// written: the locks that order this commit after others it must see.
	lockFunc func(ctx context.Context, q *dbq.Queries) error
	// keepJob leaves the job running after this commit: it goes on with
	// more work (the next page) and completes with a later commit.
	keepJob bool
	// stepFunc runs inside the transaction after the rows are written and
	// returns the jobs to queue next.
	stepFunc func(ctx context.Context, tx pgx.Tx, written db.WriteResult) ([]river.InsertManyParams, error)
}

// commitAttempts is how often a page's transaction is tried when PostgreSQL
// aborts it for a deadlock or a serialization conflict with another page.
const commitAttempts = 4

// commitPage writes c in one transaction. If it fails, nothing of it stays:
// the job runs again and fetches the page again. A transaction that lost a
// deadlock, or whose COPY of new rows met a concurrent insert, is simply run
// again at once (the second with upserts only); nothing was written.
func commitPage[T river.JobArgs](ctx context.Context, d *Deps, c pageCommit[T]) (db.WriteResult, error) {
	var users []record.User
	if c.batch != nil {
		// Leave out the users this process already committed as they are.
		all := c.batch.Users
		users = d.users.unwritten(c.ref.source, all)
		batch := *c.batch
		batch.Users = users
		c.batch = &batch
	}
	c.write.FetchedAfter = fetchedAfter(c.job.JobRow)
	for attempt := 1; ; attempt++ {
		written, err := commitPageOnce(ctx, d, c)
		if err == nil {
			d.users.committed(c.ref.source, users)
			d.runs.add(ctx, d.Pool, d.Logger, c.ref.runID, 1, int64(written.Rows), c.stats.RateLimited.Load())
			d.statistics.check(ctx, d.Pool, d.Logger)
			if d.Observer != nil {
				d.Observer.AddRows(c.ref.source, written.Tables)
			}
		}
		if err == nil || attempt >= commitAttempts {
			return written, err
		}
		if db.IsInsertRace(err) && !c.write.UpsertOnly {
			d.Logger.Debug().Err(err).Str("source", c.ref.source).Msg("a row inserted as new was inserted concurrently; writing the page with upserts")
			c.write.UpsertOnly = true
			continue
		}
		if !isTransient(err) {
			return written, err
		}
		d.Logger.Debug().Err(err).Str("source", c.ref.source).Int("attempt", attempt).Msg("page transaction conflicted; retrying")
	}
}

// fetchedAfter is a database time before which the job fetched nothing:
// when River handed it over (zero if River did not say). What the job
// fetched cannot bring back what was found deleted since (see
// db.WriteOptions.FetchedAfter), and the reads of messages it starts begin
// then (MessageTarget.Since).
func fetchedAfter(row *rivertype.JobRow) time.Time {
	if row.AttemptedAt == nil {
		return time.Time{}
	}
	return *row.AttemptedAt
}

// isTransient reports whether PostgreSQL aborted a transaction only because
// of a concurrent one (deadlock, serialization failure).
func isTransient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func commitPageOnce[T river.JobArgs](ctx context.Context, d *Deps, c pageCommit[T]) (db.WriteResult, error) {
	var written db.WriteResult
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		if c.lockFunc != nil {
			if err := c.lockFunc(ctx, dbq.New(tx)); err != nil {
				return err
			}
		}
		var err error
		if c.batch != nil {
			if written, err = db.WriteBatch(ctx, tx, c.ref.source, c.batch, c.write); err != nil {
				return err
			}
		}
		var next []river.InsertManyParams
		if c.stepFunc != nil {
			if next, err = c.stepFunc(ctx, tx, written); err != nil {
				return err
			}
		}
		// Complete the job before queueing its successors: the next page has
		// the same unique key and may only be queued once this one is done.
		if !c.keepJob {
			if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, c.job); err != nil {
				return fmt.Errorf("complete job: %w", err)
			}
		}
		if len(next) > 0 {
			client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
			if err != nil {
				return fmt.Errorf("river client: %w", err)
			}
			next = dedupeJobs(next)
			if _, err := client.InsertManyTx(ctx, tx, next); err != nil {
				return fmt.Errorf("queue %d jobs: %w", len(next), err)
			}
		}
		return nil
	})
	return written, err
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
