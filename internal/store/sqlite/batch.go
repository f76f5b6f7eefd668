package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit.
//
// Every write goes through one connection, and with synchronous=FULL every
// commit waits for the disk. Committing each booking on its own made the
// writer spend most of a rush on commits: a WAL append of every page the
// transaction touched plus an fsync, for a few rows. The committer instead
// runs the write transactions that queue up while it is busy inside one
// SQLite transaction, each in its own savepoint, and commits them together:
// one fsync, and a page touched by many of them (the slot's usage row, the
// tables' index pages) written once.
//
// Each transaction keeps its own all-or-nothing semantics: a function that
// fails rolls back to its savepoint, leaving the others in the batch
// untouched. They run one after the other, in arrival order, each seeing
// the writes of those before it, exactly as if they had been committed one
// by one, which is what keeps the capacity checks exact. Nobody is told
// "done" before the commit that makes their writes durable; if that commit
// fails, everyone in the batch gets the error and nothing is written.

// maxBatch bounds the transactions committed together, so the first caller
// of a batch does not wait for an unbounded queue to run.
const maxBatch = 128

// errClosed is returned to writes submitted after Close.
var errClosed = errors.New("sqlite: database closed")

type writeReq struct {
	ctx  context.Context
	fn   func(context.Context, *sql.Tx) error
	done chan writeResult
}

type writeResult struct {
	err   error
	panic any
	// panicked distinguishes panic(nil) from no panic.
	panicked bool
}

// committer owns the queue of write transactions; run drains it.
type committer struct {
	w *sql.DB
	// txOpts begins each batch's transaction: SERIALIZABLE on PostgreSQL.
	txOpts *sql.TxOptions
	// retries counts batches run again after a serialization conflict.
	retries *atomic.Int64
	queue   chan writeReq
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	// mu guards closed against a submit racing Close.
	mu     sync.RWMutex
	closed bool
	// commits and ops count committed batches and the transactions in
	// them (for tests and metrics).
	commits, ops atomic.Int64
	// writerLock, when not 0, is a PostgreSQL advisory lock key held by a
	// batch from before its transaction begins to after it ends, so that
	// the batches of all replicas run one at a time (postgres.go).
	writerLock int64
	// onCommit, when set, is told the size of each committed batch
	// (Options.OnCommit).
	onCommit func(ops int)
}

func newCommitter(w *sql.DB, txOpts *sql.TxOptions, retries *atomic.Int64, onCommit func(int)) *committer {
	c := &committer{w: w, txOpts: txOpts, retries: retries, onCommit: onCommit, queue: make(chan writeReq, 4*maxBatch), stop: make(chan struct{})}
	c.wg.Go(c.run)
	return c
}

// submit queues fn and waits for the commit of its batch. It waits even if
// ctx ends meanwhile: once fn has started, returning early could report a
// failure for writes that are then committed. A transaction whose context
// has ended before its turn is not run.
func (c *committer) submit(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.queue <- req
	c.mu.RUnlock()
	res := <-req.done
	if res.panicked {
		panic(res.panic)
	}
	return res.err
}

// CommitStats returns the write transactions committed so far and the commits
// that carried them; their ratio is the mean group-commit batch size.
func (db *DB) CommitStats() (ops, commits int64) {
	return db.commits.ops.Load(), db.commits.commits.Load()
}

// close stops accepting writes, lets the queued ones finish, and waits.
func (c *committer) close() {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.stop)
		c.wg.Wait()
	})
}

func (c *committer) run() {
	batch := make([]writeReq, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-c.queue:
			batch = append(batch, r)
		case <-c.stop:
			// Nothing can be queued any more (closed is set before stop
			// closes); finish what is there.
			for {
				select {
				case r := <-c.queue:
					c.commit([]writeReq{r})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-c.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

// commit runs one batch in one transaction and answers every request. On
// PostgreSQL a batch that loses a serialization conflict to another
// replica (a function's statement or the commit fails with 40001 or
// 40P01) is rolled back and run again as a whole.
func (c *committer) commit(batch []writeReq) {
	for attempt := 0; ; attempt++ {
		results, again := c.attempt(batch)
		if again && attempt+1 < maxSerializationRetries {
			c.retries.Add(1)
			backoff(attempt)
			continue
		}
		for i, r := range batch {
			r.done <- results[i]
		}
		return
	}
}

// attempt runs the batch once. It reports whether the batch should run
// again: it was rolled back because of a serialization conflict.
func (c *committer) attempt(batch []writeReq) (results []writeResult, again bool) {
	results = make([]writeResult, len(batch))
	failAll := func(err error) ([]writeResult, bool) {
		for i := range results {
			if results[i].err == nil && !results[i].panicked {
				results[i].err = err
			}
		}
		return results, retryable(err)
	}
	// The transaction belongs to the whole batch, so no caller's context
	// may end it: database/sql would roll it back for everyone.
	begin := c.w.BeginTx
	if c.writerLock != 0 {
		conn, err := c.lockWriter()
		if err != nil {
			return failAll(err)
		}
		defer c.unlockWriter(conn)
		begin = conn.BeginTx
	}
	tx, err := begin(context.Background(), c.txOpts)
	if err != nil {
		return failAll(fmt.Errorf("sqlite: begin: %w", err))
	}
	solo := len(batch) == 1
	ran := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if solo {
			results[i] = call(r, tx)
			ran++
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT op`); err != nil {
			_ = tx.Rollback()
			return failAll(fmt.Errorf("sqlite: savepoint: %w", err))
		}
		results[i] = call(r, tx)
		if results[i].err != nil || results[i].panicked {
			if retryable(results[i].err) {
				// The conflict dooms the whole transaction, not just
				// this function's part.
				_ = tx.Rollback()
				return failAll(results[i].err)
			}
			if _, err := tx.Exec(`ROLLBACK TO op`); err != nil {
				_ = tx.Rollback()
				return failAll(fmt.Errorf("sqlite: rollback to savepoint: %w", err))
			}
		} else {
			ran++
		}
		if _, err := tx.Exec(`RELEASE op`); err != nil {
			_ = tx.Rollback()
			return failAll(fmt.Errorf("sqlite: release savepoint: %w", err))
		}
	}
	if solo && (results[0].err != nil || results[0].panicked) || ran == 0 {
		if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) && results[0].err != nil {
			results[0].err = errors.Join(results[0].err, fmt.Errorf("sqlite: rollback: %w", err))
		}
		return results, solo && retryable(results[0].err)
	}
	// In the batch's own transaction, so the number moves in the commit
	// that makes the writes visible, never before nor after (grid_version.go).
	if _, err := tx.Exec(bumpWriteVersion); err != nil {
		_ = tx.Rollback()
		return failAll(fmt.Errorf("sqlite: write version: %w", err))
	}
	if err := tx.Commit(); err != nil {
		return failAll(fmt.Errorf("sqlite: commit: %w", err))
	}
	c.commits.Add(1)
	c.ops.Add(int64(ran))
	if c.onCommit != nil {
		c.onCommit(ran)
	}
	return results, false
}

// lockWriter takes the writer lock on a connection of its own: as a
// session lock taken before BEGIN, so that the batch's snapshot, taken by
// its first statement, is later than every batch that held the lock before.
// (Taken inside the transaction, the snapshot would predate the wait.)
func (c *committer) lockWriter() (*sql.Conn, error) {
	ctx := context.Background()
	conn, err := c.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: writer connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, c.writerLock); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("postgres: writer lock: %w", err)
	}
	return conn, nil
}

// unlockWriter releases the writer lock and the connection. A connection
// that cannot unlock is discarded: closing it ends the session, and with
// it the lock.
func (c *committer) unlockWriter(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(?)`, c.writerLock); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

// call runs one request's function. Its statements get a context that
// cannot be cancelled: go-sqlite3 interrupts a statement whose context
// ends, and SQLite then rolls back the whole transaction, which here is
// the whole batch.
func call(r writeReq, tx *sql.Tx) (res writeResult) {
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panic: p, panicked: true}
		}
	}()
	return writeResult{err: r.fn(context.WithoutCancel(r.ctx), tx)}
}
