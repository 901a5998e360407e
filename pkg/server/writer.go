package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/zkensemble/zkensemble/pkg/snapshot"
)

// ErrStorage is wrapped by the error a rejected batch carries: the txn log did not take it
// (disk full, I/O error) or was failing when it arrived. Clients get NotReadOnly.
var ErrStorage = errors.New("server: txn log not writable")

// logWriter is the txn log's single writer (txnlog's goroutine contract): the standalone
// replicator's goroutine, or the caller's goroutine in a NewCore server. It makes batches
// durable, keeps degraded mode (health.go) and decides when to roll the log for a snapshot
// (SyncRequestProcessor's role) and when to purge.
//
// Degraded mode, in order (docs/storage.md has the reasoning):
//   - a failed Append/Sync acknowledged nothing, so the batch is rejected and dropped from the
//     log (TruncateAfter the last durable zxid; retried before the next write if that fails
//     too), and every batch prepared in the same generation after it is rejected unseen:
//     it was prepared on top of the rejected one's outstanding changes;
//   - the apply goroutine then rewinds the zxid counter to the last applied (= durable) zxid
//     and resets the preparer (Server.rejectBatch), starting a new generation, so zxids in
//     the log stay dense;
//   - while failing, batches of the new generation are rejected without I/O except one probe
//     per storageProbeInterval; a durable probe ends degraded mode.
type logWriter struct {
	log    TxnLog
	logger *slog.Logger
	now    func() time.Time
	health *storageHealth

	durable         int64  // zxid of the last durable entry
	minGen          uint64 // batches of older generations are rejected unseen
	truncatePending bool   // a rejected batch may still sit in the log's queue or file

	// Snapshot schedule (nil trigger: no snapshots).
	trigger    *snapshot.Trigger
	snapshots  *snapshotter
	txnsSince  int64
	bytesSince int64

	// Autopurge (snapDir "" : none).
	snapDir     string
	retainCount int
}

// proposed is one batch as the processor proposed it: one generation.
type proposed struct {
	props []Proposal
	gen   uint64
}

// commit makes the batches durable, in order, or rejects them; it returns one Commit per
// batch, in the same order. Batches of one generation share one Sync (group commit).
func (w *logWriter) commit(batches []proposed) []Commit {
	out := make([]Commit, 0, len(batches))
	for i := 0; i < len(batches); {
		b := batches[i]
		if b.gen < w.minGen {
			out = append(out, w.rejected(b, nil))
			i++
			continue
		}
		if !w.health.mayWrite(w.now()) {
			w.minGen = b.gen + 1
			out = append(out, w.rejected(b, nil))
			i++
			continue
		}
		j := i + 1
		if state, _ := w.health.status(); state == storageWritable {
			for j < len(batches) && batches[j].gen == b.gen {
				j++
			}
		}
		var all []Proposal
		for _, x := range batches[i:j] {
			all = append(all, x.props...)
		}
		if err := w.persist(all); err != nil {
			w.minGen = b.gen + 1
			for _, x := range batches[i:j] {
				out = append(out, w.rejected(x, err))
			}
		} else {
			for _, x := range batches[i:j] {
				out = append(out, Commit{Proposals: x.props, gen: x.gen})
			}
		}
		i = j
	}
	return out
}

func (w *logWriter) rejected(b proposed, err error) Commit {
	if err == nil {
		_, err = w.health.status()
	}
	if err == nil {
		// Prepared before an earlier rejection that has since been resolved.
		return Commit{Proposals: b.props, gen: b.gen, Err: fmt.Errorf("%w: prepared on top of a rejected txn", ErrStorage)}
	}
	return Commit{Proposals: b.props, gen: b.gen, Err: fmt.Errorf("%w: %w", ErrStorage, err)}
}

// persist appends and syncs all; on failure nothing of it is durable or stays queued.
func (w *logWriter) persist(all []Proposal) error {
	now := w.now()
	err := w.dropRejected()
	if err == nil {
		entries := make([]LogEntry, len(all))
		var bytes int64
		for i, p := range all {
			entries[i] = LogEntry{Zxid: p.Zxid, Data: p.Data}
			bytes += int64(len(p.Data))
		}
		err = w.log.Append(entries...)
		if err != nil {
			err = fmt.Errorf("appending %d txns: %w", len(entries), err)
		} else if err = w.log.Sync(); err != nil {
			err = fmt.Errorf("syncing %d txns: %w", len(entries), err)
			w.truncatePending = true
		} else {
			w.durable = all[len(all)-1].Zxid
			w.txnsSince += int64(len(all))
			w.bytesSince += bytes
		}
	}
	if err != nil {
		// Drop the batch now so no later Sync can make durable what was answered with an
		// error; if that fails as well, dropRejected retries before the next write.
		_ = w.dropRejected()
		if w.health.failed(err, now) {
			w.logger.Error("txn log write failed: answering writes with NotReadOnly until the disk takes them again (one probe per second); reads go on",
				"err", err, "lastDurableZxid", hexID(w.durable))
		} else {
			w.logger.Debug("txn log probe write failed", "err", err)
		}
		return err
	}
	if failedFor, changed := w.health.succeeded(now); changed {
		w.logger.Warn("txn log writable again: accepting writes", "failedFor", failedFor.Round(time.Millisecond), "zxid", hexID(w.durable))
	}
	w.maybeSnapshot()
	return nil
}

// dropRejected truncates the log back to the last durable zxid when a failed Sync may have
// left rejected entries queued or half-written.
func (w *logWriter) dropRejected() error {
	if !w.truncatePending {
		return nil
	}
	if err := w.log.TruncateAfter(w.durable); err != nil {
		return fmt.Errorf("dropping rejected txns after %s: %w", hexID(w.durable), err)
	}
	w.truncatePending = false
	return nil
}

// maybeSnapshot follows SyncRequestProcessor: when the trigger fires, reset the counters,
// roll the log (so purge can later drop whole segments) and start a snapshot unless the
// previous one is still being written ("Too busy to snap, skipping").
func (w *logWriter) maybeSnapshot() {
	if w.trigger == nil || !w.trigger.Due(w.txnsSince, w.bytesSince) {
		return
	}
	w.trigger.Reset()
	w.txnsSince, w.bytesSince = 0, 0
	if err := w.log.Rotate(); err != nil {
		// Everything is durable already; only the segment boundary is missing, which makes a
		// later purge keep a little more.
		w.logger.Warn("rolling the txn log for a snapshot failed", "err", err)
	}
	if !w.snapshots.start() {
		w.logger.Warn("previous snapshot still being written; skipping this one")
	}
}

// purge is autopurge (ZooKeeper's DatadirCleanupManager → PurgeTxnLog.purge): keep the newest
// retainCount snapshots and the log segments they need. Runs on the writer's goroutine
// because it calls the log's PurgeBefore.
func (w *logWriter) purge() {
	if w.snapDir == "" {
		return
	}
	rep, err := snapshot.Purge(w.snapDir, w.retainCount, w.log.PurgeBefore, w.logger)
	if err != nil {
		w.logger.Error("autopurge failed", "err", err)
		return
	}
	w.logger.Info("autopurge", "snapshotsKept", len(rep.Retained), "snapshotsRemoved", len(rep.Removed), "logPurgedBefore", hexID(rep.LogBefore))
}
