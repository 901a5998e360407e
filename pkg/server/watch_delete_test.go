package server

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// eventsUntilPing sends a ping and returns the events that arrive before its reply, rendered
// "Type path".
func eventsUntilPing(t *testing.T, c *rawClient) []string {
	t.Helper()
	c.send(protocol.XidPing, protocol.OpPing, nil)
	var out []string
	for range 100 {
		r := c.mustRead()
		switch r.hdr.Xid {
		case protocol.XidPing:
			return out
		case protocol.XidNotification:
			var ev jute.WatcherEvent
			if err := jute.Unmarshal(r.body, &ev); err != nil {
				t.Fatalf("decoding event: %v", err)
			}
			out = append(out, fmt.Sprintf("%v %s", protocol.EventType(ev.Type), ev.Path))
		default:
			t.Fatalf("unexpected reply %+v", r.hdr)
		}
	}
	t.Fatalf("no ping reply after 100 frames")
	return nil
}

// Deleting a node fires each kind of watch on it exactly once, and a session holding several
// gets a single NodeDeleted (DataTree.deleteNode: the child table is triggered with the data
// table's watchers suppressed). A standard child watch and a persistent-recursive watch on the
// parent both fire (ZooKeeper 3.9, ZOOKEEPER-4466; 3.8.0 lost the child watch).
func TestDeleteFiresEachWatchOnce(t *testing.T) {
	s := startServer(t, nil)
	writer := dialRaw(t, s.Addr())
	writer.newSession(10000)
	for i, p := range []string{"/d", "/d/k"} {
		if code := writer.call(int32(i+1), protocol.OpCreate, &jute.CreateRequest{Path: p, ACL: openACL}, nil); code != protocol.ErrOk {
			t.Fatalf("create %s: %v", p, code)
		}
	}
	type watcher struct {
		name  string
		setup func(c *rawClient)
		want  []string
	}
	exists := func(c *rawClient) { c.call(1, protocol.OpExists, &jute.ExistsRequest{Path: "/d/k", Watch: true}, nil) }
	getData := func(c *rawClient) {
		c.call(2, protocol.OpGetData, &jute.GetDataRequest{Path: "/d/k", Watch: true}, nil)
	}
	children := func(c *rawClient) {
		c.call(3, protocol.OpGetChildren, &jute.GetChildrenRequest{Path: "/d/k", Watch: true}, nil)
	}
	watchers := []watcher{
		{"exists", exists, []string{"NodeDeleted /d/k"}},
		{"getData", getData, []string{"NodeDeleted /d/k"}},
		{"getChildren", children, []string{"NodeDeleted /d/k"}},
		{"all three", func(c *rawClient) { exists(c); getData(c); children(c) }, []string{"NodeDeleted /d/k"}},
		{"parent: children and recursive", func(c *rawClient) {
			c.call(4, protocol.OpGetChildren, &jute.GetChildrenRequest{Path: "/d", Watch: true}, nil)
			c.call(5, protocol.OpAddWatch, &jute.AddWatchRequest{Path: "/d", Mode: int32(protocol.AddWatchPersistentRecursive)}, nil)
		}, []string{"NodeDeleted /d/k", "NodeChildrenChanged /d"}},
		{"parent: exists", func(c *rawClient) {
			c.call(6, protocol.OpExists, &jute.ExistsRequest{Path: "/d", Watch: true}, nil)
		}, nil},
	}
	clients := make([]*rawClient, len(watchers))
	for i, w := range watchers {
		clients[i] = dialRaw(t, s.Addr())
		clients[i].newSession(10000)
		w.setup(clients[i])
	}
	if code := writer.call(10, protocol.OpDelete, &jute.DeleteRequest{Path: "/d/k", Version: -1}, nil); code != protocol.ErrOk {
		t.Fatalf("delete: %v", code)
	}
	for i, w := range watchers {
		if got := eventsUntilPing(t, clients[i]); !reflect.DeepEqual(got, w.want) {
			t.Errorf("%s: events %q, want %q", w.name, got, w.want)
		}
	}
	// One-shot watches are gone: deleting the parent only reaches the persistent watch and the
	// parent's exists watch.
	if code := writer.call(11, protocol.OpDelete, &jute.DeleteRequest{Path: "/d", Version: -1}, nil); code != protocol.ErrOk {
		t.Fatalf("delete /d: %v", code)
	}
	for i, w := range watchers {
		var want []string
		if i >= 4 {
			want = []string{"NodeDeleted /d"}
		}
		if got := eventsUntilPing(t, clients[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("%s after deleting /d: events %q, want %q", w.name, got, want)
		}
	}
}
