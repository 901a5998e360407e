package server

import (
	"errors"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// ErrReplicatorClosed is returned by Propose after Close.
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
	// gen is the preparer generation it was prepared in (see logWriter and rejectBatch).
	gen uint64
}

// Commit is one proposed batch handed back by the replicator, in proposal order.
type Commit struct {
	Proposals []Proposal
	// Err is nil when every proposal is committed. Otherwise none of them is: they must be
	// answered with an error and never applied (it wraps ErrStorage in standalone).
	Err error
	gen uint64
}

// Replicator makes proposals durable (and, in an ensemble, agreed) and hands them back
// committed or rejected. Contract:
//   - Propose is called by the processor goroutine only, with batches in increasing zxid order,
//     all proposals of a batch from one preparer generation; it may block (backpressure) but
//     must not wait for the commit itself;
//   - Committed delivers every proposed batch exactly once, in proposal order; the channel is
//     closed after Close (Err says whether a fatal error ended it early);
//   - a rejected batch (Commit.Err) is followed only by rejected batches until the apply
//     goroutine has started a new preparer generation (rejectBatch);
//   - in standalone the commit point is the fsync of the txn log (ZooKeeper's
//     SyncRequestProcessor before FinalRequestProcessor).
type Replicator interface {
	Propose(batch []Proposal) error
	Committed() <-chan Commit
	Err() error
	Close() error
}

// standalone is the Replicator of an ensemble of one: its goroutine is the txn log's writer
// (logWriter), taking everything queued into one Sync (group commit, as SyncRequestProcessor
// flushes toFlush in one commit), and also runs autopurge.
type standalone struct {
	w         *logWriter
	purgeTick <-chan time.Time
	in        chan []Proposal
	committed chan Commit
	mu        sync.Mutex
	closed    bool
	done      chan struct{}
}

// proposalQueueBatches bounds how many proposed batches may wait for the disk: the processor
// blocks beyond it, which in turn blocks readers (backpressure instead of unbounded memory).
const proposalQueueBatches = 256

// newStandalone starts the writer goroutine; purgeTick (nil: never) asks it to autopurge.
func newStandalone(w *logWriter, purgeTick <-chan time.Time) *standalone {
	r := &standalone{
		w:         w,
		purgeTick: purgeTick,
		in:        make(chan []Proposal, proposalQueueBatches),
		committed: make(chan Commit, proposalQueueBatches),
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

func (r *standalone) Committed() <-chan Commit { return r.committed }

// Err is always nil: a storage failure rejects batches (degraded mode) instead of ending the
// replicator.
func (r *standalone) Err() error { return nil }

// Close stops accepting proposals; those already proposed are still logged (or rejected) and
// handed back, then Committed is closed.
func (r *standalone) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.in)
	}
	r.mu.Unlock()
	<-r.done
	return nil
}

func (r *standalone) run() {
	defer close(r.done)
	defer close(r.committed)
	for {
		var batch []Proposal
		var ok bool
		select {
		case batch, ok = <-r.in:
			if !ok {
				return
			}
		case <-r.purgeTick:
			r.w.purge()
			continue
		}
		// Group commit: take everything already queued so one Sync covers it all.
		pending := []proposed{{props: batch, gen: genOf(batch)}}
	drain:
		for len(pending) < proposalQueueBatches {
			select {
			case b, ok := <-r.in:
				if !ok {
					break drain
				}
				pending = append(pending, proposed{props: b, gen: genOf(b)})
			default:
				break drain
			}
		}
		for _, c := range r.w.commit(pending) {
			r.committed <- c
		}
	}
}

func genOf(batch []Proposal) uint64 {
	if len(batch) == 0 {
		return 0
	}
	return batch[0].gen
}
