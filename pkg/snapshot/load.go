package snapshot

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/datatree"
)

// LoadOptions configure Load and LoadNewest.
type LoadOptions struct {
	// Logger hears about snapshots set aside and temporary files removed; nil discards.
	Logger *slog.Logger
	// ExtendedTypesEnabled is set on the new tree before any node is inserted, so TTL nodes
	// are indexed as such (zoo.cfg extendedTypesEnabled; prep.New sets it too).
	ExtendedTypesEnabled bool
	// LoadGCPercent is the GC target (runtime/debug.SetGCPercent) while a file is loaded, when
	// it is above the process's own: restore builds millions of long-lived objects and little
	// garbage, and at the default 100 the collector rescans the growing tree again and again
	// (1M nodes: 3.3 s of CPU at 100, 1.9 s at 400, 1.2 s at 1000 — busy 2-core machine,
	// 2026-11-22, before the index was presized; 1.1 s with the collector off). The peak heap
	// stays near the tree's size because a restore makes little garbage (grown child lists
	// and the decoder's frame buffer). 0 means DefaultLoadGCPercent; negative leaves the GC
	// alone.
	LoadGCPercent int
}

// DefaultLoadGCPercent is LoadOptions.LoadGCPercent's default.
const DefaultLoadGCPercent = 1000

func (o LoadOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o.Logger
}

// Loaded is a restored snapshot: replay the txn log from StartZxid+1 on top of it.
type Loaded struct {
	// Tree holds the snapshot's nodes; its LastProcessedZxid is StartZxid.
	Tree      *datatree.Tree
	Sessions  []Session
	StartZxid int64
	DBID      uint64
	// Path is the file read; "" when there was none (empty tree, zxid 0).
	Path  string
	Nodes int64
}

// Load reads one snapshot file into a new tree. Any damage is reported as ErrCorrupt naming
// the file and offset, a node whose parent is missing included.
func Load(path string, opts LoadOptions) (*Loaded, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot: open %s: %w", path, err)
	}
	defer f.Close()
	if pct := opts.LoadGCPercent; pct >= 0 {
		if pct == 0 {
			pct = DefaultLoadGCPercent
		}
		if old := debug.SetGCPercent(pct); old < 0 || old > pct {
			debug.SetGCPercent(old) // GC off or already laxer: keep the process's choice
		} else {
			defer debug.SetGCPercent(old)
		}
	}
	tree := datatree.New()
	tree.SetExtendedTypesEnabled(opts.ExtendedTypesEnabled)
	tree.ReserveNodes(nodeCountHint(f))
	out := &Loaded{Tree: tree, Path: path}
	h, t, err := Decode(f, path, Sink{
		Session: func(s Session) error {
			out.Sessions = append(out.Sessions, s)
			return nil
		},
		Node: func(r *NodeRecord) error {
			if err := tree.Insert(r.Path, r.Data, r.ACL, r.Stat); err != nil {
				return fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	tree.SetLastProcessedZxid(h.StartZxid)
	out.StartZxid, out.DBID, out.Nodes = h.StartZxid, h.DBID, int64(t.Nodes)
	return out, nil
}

// minNodeRecordBytes is the smallest node record a file can hold (a one-byte name, null data,
// an ACL id and the stat): it bounds the node count a file of a given size can claim.
const minNodeRecordBytes = 2 + 1 + 1 + statBytes

// nodeCountHint reads the node count from f's trailer frame (the file's last bytes) so the
// tree's path index can be sized once, before the nodes are read. It is only a hint: a frame
// whose CRC does not match, or a count larger than the file could hold, gives 0, and Decode
// checks the trailer properly at the end. f's offset is not moved.
func nodeCountHint(f *os.File) int {
	fi, err := f.Stat()
	if err != nil || fi.Size() < headerBytes+frameHdrBytes+trailerPayload {
		return 0
	}
	var b [frameHdrBytes + trailerPayload]byte
	if _, err := f.ReadAt(b[:], fi.Size()-int64(len(b))); err != nil {
		return 0
	}
	fh := parseFrameHeader(b[:frameHdrBytes])
	payload := b[frameHdrBytes:]
	if fh.kind != kindTrailer || fh.len != trailerPayload ||
		crc32.Update(crc32.Checksum(b[:12], castagnoli), castagnoli, payload) != fh.crc {
		return 0
	}
	n := parseTrailer(payload).Nodes
	if n > uint64(fi.Size()/minNodeRecordBytes) {
		return 0
	}
	return int(n)
}

// LoadNewest restores the newest snapshot in dir that reads back whole. A damaged one
// (ErrCorrupt) is renamed <name>.broken, logged with the reason, and the next older one is
// tried, as etcd's snapshotter does; a directory with no usable snapshot gives the empty tree
// datatree.New makes, at zxid 0. Temporary files of an interrupted Write are removed. Any
// other failure (an unreadable directory, ErrVersion, ErrZooKeeperFormat) is returned: the
// server must not start from an older state than the one it could not read for such reasons.
//
// When files were set aside, replaying the log from an older snapshot needs the log segments
// Purge kept for exactly this (it keeps what the oldest retained snapshot needs).
func LoadNewest(dir string, opts LoadOptions) (*Loaded, error) {
	log := opts.logger()
	if err := removeTemps(dir, log); err != nil {
		return nil, err
	}
	files, err := List(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		l, err := Load(f.Path, opts)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		broken, rerr := setAside(f.Path)
		if rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		log.Error("snapshot: damaged snapshot set aside, trying an older one", "file", f.Path, "movedTo", broken, "err", err)
	}
	tree := datatree.New()
	tree.SetExtendedTypesEnabled(opts.ExtendedTypesEnabled)
	return &Loaded{Tree: tree}, nil
}

// setAside renames path to path.broken (path.broken.N if that exists) and syncs the directory.
func setAside(path string) (string, error) {
	to := path + BrokenSuffix
	for i := 1; ; i++ {
		if _, err := os.Lstat(to); os.IsNotExist(err) {
			break
		}
		to = fmt.Sprintf("%s%s.%d", path, BrokenSuffix, i)
	}
	if err := os.Rename(path, to); err != nil {
		return "", fmt.Errorf("snapshot: set aside %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return "", fmt.Errorf("snapshot: fsync dir of %s: %w", path, err)
	}
	return to, nil
}

// removeTemps deletes snapshot.<zxid>.tmp files: a Write that never reached its rename.
func removeTemps(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("snapshot: list %s: %w", dir, err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), TmpSuffix)
		if _, isSnap := ParseFileName(name); !ok || !isSnap {
			continue
		}
		p := filepath.Join(dir, e.Name())
		log.Info("snapshot: removing unfinished snapshot", "file", p)
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("snapshot: remove %s: %w", p, err)
		}
	}
	return nil
}
