package server

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// TestRestoreSetsConfigNode: whatever a snapshot carries in /zookeeper/config (a leader's
// lines, an older config, or nothing), a member that restores it shows its own membership, as
// a ZooKeeper learner does after syncing (Learner.syncWithLeader, ZOOKEEPER-2819).
func TestRestoreSetsConfigNode(t *testing.T) {
	const text = "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=0"
	now := time.UnixMilli(1_700_000_000_123)
	stale := datatree.New()
	stale.SetConfig([]byte("server.9=old:1:2:participant\nversion=5"), 5, 42)
	if err := stale.Insert("/a", []byte("x"), nil, jute.StatPersisted{Czxid: 7, Mzxid: 7}); err != nil {
		t.Fatal(err)
	}
	staleSnap, err := encodeTreeSnapshot(stale, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"stale config": staleSnap, "empty snapshot": nil} {
		t.Run(name, func(t *testing.T) {
			s := &Server{nowFn: func() time.Time { return now }, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			s.cfg.TickTime = 2 * time.Second
			e := &ensemble{s: s, cfg: EnsembleConfig{ConfigText: []byte(text)}}
			if err := e.restore(zab.Snapshot{Zxid: 7, Data: data}); err != nil {
				t.Fatal(err)
			}
			got, st, err := s.tree.GetData(datatree.ConfigPath)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != text {
				t.Errorf("config = %q, want %q", got, text)
			}
			if st.Version != -1 || st.Mzxid != 0 || st.Mtime != now.UnixMilli() || st.Aversion != -1 {
				t.Errorf("config stat = %+v, want version -1, mzxid 0, mtime now, aversion -1", st)
			}
			if s.tree.LastProcessedZxid() != 7 {
				t.Errorf("lastProcessedZxid = %d, want 7", s.tree.LastProcessedZxid())
			}
			if _, _, err := s.tree.GetData("/a"); (err == nil) != (data != nil) {
				t.Errorf("/a after restore: err = %v", err)
			}
		})
	}
}
