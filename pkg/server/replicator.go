package server

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// ErrReplicatorClosed is returned by Propose after Close or after a storage failure.
var ErrReplicatorClosed = errors.New("server: replicator closed")

// Proposal is one prepared txn on its way to being committed and applied.
type Proposal struct {
	Zxid int64
	Hdr  jute.TxnHeader
	Txn  jute.Record
	// Data is Hdr then Txn marshalled: what the log stores and, later, what a leader sends.
	Data []byte
	// req is the request that produced the proposal (nil when it came from another server).
	req *request
}

// Replicator makes proposals durable (and, in an ensemble, agreed) and hands them back
// committed. Contract:
//   - Propose is called by the processor goroutine only, with batches in increasing zxid order;
//     it may block (backpressure) but must not wait for the commit itself;
//   - Committed delivers every proposed txn exactly once, in zxid order, in batches; the
//     channel is closed after Close or after a fatal storage error (Err says which);
//   - in standalone the commit point is the fsync of the txn log (ZooKeeper's
//     SyncRequestProcessor before FinalRequestProcessor).
type Replicator interface {
	Propose(batch []Proposal) error
	Committed() <-chan []Proposal
	Err() error
	Close() error
}

// standalone is the Replicator of an ensemble of one: append, one Sync for everything queued
// (group commit, as SyncRequestProcessor flushes toFlush in one commit), then commit.
type standalone struct {
	log       TxnLog
	logger    *slog.Logger
	in        chan []Proposal
	committed chan []Proposal
	mu        sync.Mutex
	closed    bool
	err       error
	done      chan struct{}
}

// proposalQueueBatches bounds how many proposed batches may wait for the disk: the processor
// blocks beyond it, which in turn blocks readers (backpressure instead of unbounded memory).
const proposalQueueBatches = 256

func newStandalone(log TxnLog, logger *slog.Logger) *standalone {
	r := &standalone{
		log:       log,
		logger:    logger,
		in:        make(chan []Proposal, proposalQueueBatches),
		committed: make(chan []Proposal, proposalQueueBatches),
		done:      make(chan struct{}),
	}
	go r.run()
	return r
}

func (r *standalone) Propose(batch []Proposal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrReplicatorClosed
	}
	r.in <- batch // the lock keeps Close from closing r.in under us; run never takes it
	return nil
}

func (r *standalone) Committed() <-chan []Proposal { return r.committed }

func (r *standalone) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close stops accepting proposals; those already proposed are still logged and committed,
// then Committed is closed.
func (r *standalone) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.in)
	}
	r.mu.Unlock()
	<-r.done
	return r.Err()
}

func (r *standalone) run() {
	defer close(r.done)
	defer close(r.committed)
	for batch := range r.in {
		// Group commit: take everything already queued so one Sync covers it all.
		pending := [][]Proposal{batch}
	drain:
		for len(pending) < proposalQueueBatches {
			select {
			case b, ok := <-r.in:
				if !ok {
					break drain
				}
				pending = append(pending, b)
			default:
				break drain
			}
		}
		var all []Proposal
		for _, b := range pending {
			all = append(all, b...)
		}
		if err := r.persist(all); err != nil {
			// ZooKeeper exits when it cannot write its log (SyncRequestProcessor → system exit):
			// nothing unlogged may be acknowledged. We stop committing and let the server stop.
			r.logger.Error("txn log write failed; no further txns will be committed", "err", err)
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			for range r.in { // unblock Propose until Close
			}
			return
		}
		r.committed <- all
	}
}

func (r *standalone) persist(all []Proposal) error {
	entries := make([]LogEntry, len(all))
	for i, p := range all {
		entries[i] = LogEntry{Zxid: p.Zxid, Data: p.Data}
	}
	if err := r.log.Append(entries...); err != nil {
		return fmt.Errorf("appending %d txns: %w", len(entries), err)
	}
	if err := r.log.Sync(); err != nil {
		return fmt.Errorf("syncing %d txns: %w", len(entries), err)
	}
	return nil
}
