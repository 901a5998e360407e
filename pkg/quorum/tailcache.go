package quorum

import (
	"cmp"
	"slices"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// tailCache keeps the newest entries of the log in memory. zab reads the log back on every
// commit (the leader's maybeCommit lists the newly committed txns, and every Ready hands the
// committed ones to Apply); served from the txn log, each such read seeks through its
// segment from the start, so a commit cost grew with the log and the driver spent its turns
// reading instead of proposing (docs/benchmarks.md, Ensembles run 2). ZooKeeper keeps the
// same window in memory: ZKDatabase.committedLog, the last commitLogCount (500) proposals,
// which it also uses for DIFF syncs. Reads reaching before the window go to the log.
//
// Invariant: ents are the log's entries after prev, all of them, in zxid order; prev is the
// zxid of the log entry just before ents[0] (or the snapshot's, or 0). It is empty and prev
// meaningless when valid is false.
type tailCache struct {
	ents  []zab.Entry
	prev  zab.Zxid
	valid bool
	bytes int
}

// Bounds of the window: enough for every txn in flight between propose and apply at the
// rates we reach, small enough not to matter next to the data tree.
const (
	tailMaxEntries = 4096
	tailMaxBytes   = 16 << 20
)

// append records entries just appended to the log; last is the log's last zxid before them.
func (c *tailCache) append(last zab.Zxid, es []zab.Entry) {
	if len(es) == 0 {
		return
	}
	if !c.valid || len(c.ents) == 0 {
		c.ents, c.prev, c.bytes, c.valid = c.ents[:0], last, 0, true
	}
	for _, e := range es {
		c.ents = append(c.ents, e)
		c.bytes += len(e.Data)
	}
	c.trim()
}

// trim drops the oldest entries beyond the bounds, keeping at least the newest one.
func (c *tailCache) trim() {
	drop := 0
	for len(c.ents)-drop > 1 && (len(c.ents)-drop > tailMaxEntries || c.bytes > tailMaxBytes) {
		c.bytes -= len(c.ents[drop].Data)
		drop++
	}
	c.dropFront(drop)
}

// dropFront forgets the oldest n entries (their bytes already subtracted by the caller).
func (c *tailCache) dropFront(n int) {
	if n == 0 {
		return
	}
	c.prev = c.ents[n-1].Zxid
	// Copy down rather than reslice so the backing array does not grow without bound.
	k := copy(c.ents, c.ents[n:])
	clear(c.ents[k:])
	c.ents = c.ents[:k]
}

// entries returns the entries with after < zxid <= upTo (at most maxEntries, 0 = no limit)
// when the window holds all of them; ok is false when the caller must read the log.
func (c *tailCache) entries(after, upTo zab.Zxid, maxEntries int) (out []zab.Entry, ok bool) {
	if !c.valid || after < c.prev {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(c.ents, after, func(e zab.Entry, z zab.Zxid) int { return cmp.Compare(e.Zxid, z) })
	for _, e := range c.ents[i:] {
		if e.Zxid <= after {
			continue
		}
		if e.Zxid > upTo || (maxEntries > 0 && len(out) >= maxEntries) {
			break
		}
		out = append(out, e)
	}
	return out, true
}

// truncateAfter mirrors a log truncation after z.
func (c *tailCache) truncateAfter(z zab.Zxid) {
	if !c.valid {
		return
	}
	if z < c.prev {
		c.reset()
		return
	}
	i := len(c.ents)
	for i > 0 && c.ents[i-1].Zxid > z {
		i--
		c.bytes -= len(c.ents[i].Data)
	}
	clear(c.ents[i:])
	c.ents = c.ents[:i]
}

// dropThrough forgets entries a snapshot at z now covers.
func (c *tailCache) dropThrough(z zab.Zxid) {
	if !c.valid {
		return
	}
	drop := 0
	for drop < len(c.ents) && c.ents[drop].Zxid <= z {
		c.bytes -= len(c.ents[drop].Data)
		drop++
	}
	c.dropFront(drop)
}

// reset empties the window (the log was replaced by a SNAP install).
func (c *tailCache) reset() {
	clear(c.ents)
	c.ents, c.prev, c.bytes, c.valid = c.ents[:0], 0, 0, false
}
