package robustness

// StaleSyncReads returns pairs (read, write): a sync+read that returned an older version of a
// key than a write acknowledged before the read was called. Each pair alone makes a history
// non-linearizable; porcupine finds these and subtler cases, this names them for a report.
func StaleSyncReads(h History) [][2]Op {
	var out [][2]Op
	writes := map[string][]Op{}
	for _, op := range h {
		if op.Kind == OpWrite && op.Outcome == OutcomeOK {
			writes[op.Key] = append(writes[op.Key], op)
		}
	}
	for _, r := range h {
		if r.Kind != OpSyncRead || r.Outcome != OutcomeOK {
			continue
		}
		var newest *Op
		for i, w := range writes[r.Key] {
			if w.Return < r.Call && w.Version > r.Version && (newest == nil || w.Version > newest.Version) {
				newest = &writes[r.Key][i]
			}
		}
		if newest != nil {
			out = append(out, [2]Op{r, *newest})
		}
	}
	return out
}

// epoch is the ZAB epoch of a zxid (its high 32 bits).
func epoch(zxid int64) int64 { return zxid >> 32 }

// WithoutDeposedEpochReads returns h minus the sync+reads that returned data of an older epoch
// than a write acknowledged before the read was called, and how many it removed. Such a read was
// answered by a server still in a superseded epoch: a leader that was paused or cut off and has
// not yet noticed. Released Apache ZooKeeper does this because sync is not a quorum operation
// (ZOOKEEPER-1675), so the suite excuses exactly these reads, and only for the Apache target,
// when the rest of the history is linearizable.
func WithoutDeposedEpochReads(h History) (History, int) {
	var newest = map[string][]Op{}
	for _, op := range h {
		if op.Kind == OpWrite && op.Outcome == OutcomeOK {
			newest[op.Key] = append(newest[op.Key], op)
		}
	}
	out := make(History, 0, len(h))
	removed := 0
	for _, op := range h {
		if op.Kind == OpSyncRead && op.Outcome == OutcomeOK && op.Version > 0 {
			deposed := false
			for _, w := range newest[op.Key] {
				if w.Return < op.Call && epoch(w.Mzxid) > epoch(op.Mzxid) && w.Version > op.Version {
					deposed = true
					break
				}
			}
			if deposed {
				removed++
				continue
			}
		}
		out = append(out, op)
	}
	return out, removed
}
