package snapshot

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
)

// FuzzReadSnapshot: whatever the bytes, Decode returns (never panics, never allocates beyond
// the bytes present plus one read step), and every failure is one of its sentinels. Whatever
// it accepts restores into a tree or fails with ErrCorrupt.
func FuzzReadSnapshot(f *testing.F) {
	tree, sessions := everyKindTree(f)
	for _, frame := range []int{1, 200, DefaultFrameBytes} {
		var buf bytes.Buffer
		enc := newEncoder(&buf, Header{DBID: 1, StartZxid: tree.LastProcessedZxid()}, frame)
		enc.sessions(sessions)
		src := &TreeSource{Tree: tree, Lock: &noLock{}}
		src.Begin()
		recs, _ := src.Next(nil, 1000)
		for i := range recs {
			enc.node(&recs[i])
		}
		if err := enc.finish(); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte{})
	f.Add([]byte("ZKSN\x00\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		restored := datatree.New()
		restored.SetExtendedTypesEnabled(true)
		_, _, err := Decode(bytes.NewReader(b), "fuzz", Sink{Node: func(r *NodeRecord) error {
			if err := restored.Insert(r.Path, r.Data, r.ACL, r.Stat); err != nil {
				return errors.Join(ErrCorrupt, err)
			}
			return nil
		}})
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrZooKeeperFormat) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

type noLock struct{}

func (noLock) RLock()   {}
func (noLock) RUnlock() {}
