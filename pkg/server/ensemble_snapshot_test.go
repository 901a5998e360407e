package server

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/session"
)

type walked struct {
	Path string
	Data []byte
	ACL  []jute.ACL
	Stat jute.StatPersisted
}

func walkTree(t *testing.T, tree *datatree.Tree) []walked {
	t.Helper()
	var out []walked
	if err := tree.Walk(func(p string, n datatree.Node) error {
		out = append(out, walked{p, n.Data, n.ACL, n.Stat})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTreeSnapshotRoundTrip(t *testing.T) {
	tree := datatree.New()
	open := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	digest := []jute.ACL{{Perms: 1, ID: jute.Id{Scheme: "digest", ID: "u:abc"}}}
	for _, n := range []struct {
		path string
		data []byte
		acl  []jute.ACL
		st   jute.StatPersisted
	}{
		{"/a", []byte("x"), open, jute.StatPersisted{Czxid: 1, Mzxid: 1, Pzxid: 2, Cversion: 1}},
		{"/a/b", nil, digest, jute.StatPersisted{Czxid: 2, Mzxid: 3, Version: 1, EphemeralOwner: 0x0100000000000001}},
		{"/a/empty", []byte{}, open, jute.StatPersisted{Czxid: 2, Mzxid: 2}},
	} {
		if err := tree.Insert(n.path, n.data, n.acl, n.st); err != nil {
			t.Fatal(err)
		}
	}
	tree.SetLastProcessedZxid(3)
	sessions := []session.Info{{ID: 0x0100000000000001, TimeoutMillis: 4000}, {ID: 2, TimeoutMillis: 30000}}
	b, err := encodeTreeSnapshot(tree, sessions)
	if err != nil {
		t.Fatal(err)
	}
	got, gotSessions, err := decodeTreeSnapshot(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if want, have := walkTree(t, tree), walkTree(t, got); !reflect.DeepEqual(want, have) {
		t.Fatalf("tree after round trip:\n got %+v\nwant %+v", have, want)
	}
	if len(gotSessions) != 2 || gotSessions[0].ID != sessions[0].ID || gotSessions[1].TimeoutMillis != 30000 {
		t.Fatalf("sessions = %+v", gotSessions)
	}
	if got.Ephemerals(0x0100000000000001)[0] != "/a/b" {
		t.Fatal("ephemeral owner index not rebuilt")
	}
}

func TestTreeSnapshotEmptyAndCorrupt(t *testing.T) {
	tree, sessions, err := decodeTreeSnapshot(nil, false)
	if err != nil || len(sessions) != 0 || tree.NodeCount() != datatree.New().NodeCount() {
		t.Fatalf("empty snapshot: %v, %d sessions, %d nodes", err, len(sessions), tree.NodeCount())
	}
	b, err := encodeTreeSnapshot(datatree.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-1],
		"bad magic": append([]byte{0, 0, 0, 1, 'x'}, b[4:]...),
	} {
		if _, _, err := decodeTreeSnapshot(bad, false); !errors.Is(err, ErrSnapshotFormat) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestCoreRefusesEnsemble(t *testing.T) {
	if _, err := NewCore(Config{Ensemble: &EnsembleConfig{}}, Deps{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v", err)
	}
}
