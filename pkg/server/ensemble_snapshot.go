package server

import (
	"errors"
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/session"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
)

// The state-machine snapshot an ensemble member hands to pkg/quorum (which stores it, and
// ships it to a learner in SNAP): the sessions and every znode, parents first, as jute
// fields. Unlike pkg/snapshot's files it is taken in one read-lock hold on the member's
// goroutine, which has applied exactly the txns up to the snapshot's zxid (so no fuzzy
// capture is needed); quorum's own file adds the zxid, the length and a checksum.
//
//	string  treeSnapshotMagic
//	int     session count, then (long id, int timeout) per session
//	per node: bool true, string path, buffer data, vector<ACL> acl, StatPersisted stat
//	bool    false

const treeSnapshotMagic = "zkensemble-tree-v1"

// ErrSnapshotFormat is a state-machine snapshot that cannot be read.
var ErrSnapshotFormat = errors.New("server: malformed tree snapshot")

func encodeTreeSnapshot(tree *datatree.Tree, sessions []session.Info) ([]byte, error) {
	e := &jute.Encoder{Buf: make([]byte, 0, 64+int(tree.ApproximateDataSize())+128*tree.NodeCount())}
	e.WriteString(treeSnapshotMagic)
	e.WriteInt(int32(len(sessions)))
	for _, ss := range sessions {
		e.WriteLong(ss.ID)
		e.WriteInt(ss.TimeoutMillis)
	}
	err := tree.Walk(func(path string, n datatree.Node) error {
		e.WriteBool(true)
		e.WriteString(path)
		e.WriteBuffer(n.Data)
		e.WriteInt(int32(len(n.ACL)))
		for i := range n.ACL {
			n.ACL[i].Encode(e)
		}
		st := n.Stat
		st.Encode(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.WriteBool(false)
	return e.Buf, nil
}

// decodeTreeSnapshot rebuilds a tree and its sessions; nil data is the empty tree (a leader
// that never took a snapshot sends one at zxid 0).
func decodeTreeSnapshot(data []byte, extendedTypes bool) (*datatree.Tree, []snapshot.Session, error) {
	tree := datatree.New()
	tree.SetExtendedTypesEnabled(extendedTypes)
	if len(data) == 0 {
		return tree, nil, nil
	}
	d := jute.NewDecoder(data)
	if magic := d.ReadString(); d.Err() != nil || magic != treeSnapshotMagic {
		return nil, nil, fmt.Errorf("%w: bad magic", ErrSnapshotFormat)
	}
	n := d.ReadInt()
	if n < 0 || int(n) > len(data)/12 {
		return nil, nil, fmt.Errorf("%w: session count %d", ErrSnapshotFormat, n)
	}
	sessions := make([]snapshot.Session, 0, n)
	for i := int32(0); i < n && d.Err() == nil; i++ {
		sessions = append(sessions, snapshot.Session{ID: d.ReadLong(), TimeoutMillis: d.ReadInt()})
	}
	for d.Err() == nil && d.ReadBool() {
		path := d.ReadString()
		nodeData := d.ReadBuffer()
		k := d.ReadInt()
		if k < 0 || int(k) > len(data) {
			return nil, nil, fmt.Errorf("%w: ACL count %d at %q", ErrSnapshotFormat, k, path)
		}
		acl := make([]jute.ACL, k)
		for i := range acl {
			acl[i].Decode(d)
		}
		var st jute.StatPersisted
		st.Decode(d)
		if d.Err() != nil {
			break
		}
		if err := tree.Insert(path, nodeData, acl, st); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrSnapshotFormat, err)
		}
	}
	if err := d.Err(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrSnapshotFormat, err)
	}
	return tree, sessions, nil
}
