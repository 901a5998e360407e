package watch

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

type node struct{ mzxid, pzxid int64 }

type fakeTree map[string]node

func (f fakeTree) Stat(path string) (int64, int64, bool) {
	n, ok := f[path]
	return n.mzxid, n.pzxid, ok
}

func TestReplay(t *testing.T) {
	tree := fakeTree{
		"/":        {mzxid: 0, pzxid: 9},
		"/same":    {mzxid: 5, pzxid: 5},
		"/newdata": {mzxid: 11, pzxid: 5},
		"/newkids": {mzxid: 5, pzxid: 12},
		"/atzxid":  {mzxid: 10, pzxid: 10},
	}
	const w = WatcherID(7)
	ev := func(typ protocol.EventType, p string) Event { return Event{Watcher: w, Type: typ, Path: p} }
	tests := []struct {
		name                             string
		data, exist, child, pers, recurs []string
		want                             []Event
		// after the replay, these triggers must notify w (true) or not (false)
		after map[string]bool
	}{
		{
			name: "data watches",
			data: []string{"/gone", "/newdata", "/same", "/atzxid", "/newkids"},
			want: []Event{
				ev(protocol.EventNodeDeleted, "/gone"),
				ev(protocol.EventNodeDataChanged, "/newdata"),
			},
			after: map[string]bool{
				"changed /same": true, "changed /atzxid": true, "changed /newkids": true,
				"changed /newdata": false, "created /gone": false,
			},
		},
		{
			name:  "exist watches: present means created, whatever the zxids",
			exist: []string{"/same", "/missing"},
			want:  []Event{ev(protocol.EventNodeCreated, "/same")},
			after: map[string]bool{"created /missing": true, "changed /same": false},
		},
		{
			name:  "child watches",
			child: []string{"/gone", "/newkids", "/newdata", "/same"},
			want: []Event{
				ev(protocol.EventNodeDeleted, "/gone"),
				ev(protocol.EventNodeChildrenChanged, "/newkids"),
			},
			after: map[string]bool{
				"children /newdata": true, "children /same": true,
				"children /newkids": false, "changed /newdata": false,
			},
		},
		{
			name:   "persistent watches are registered without catch-up events",
			pers:   []string{"/newdata", "/gone"},
			recurs: []string{"/newkids"},
			want:   nil,
			after: map[string]bool{
				"changed /newdata": true, "children /newdata": true, "created /gone": true,
				"created /newkids/x": true, "children /newkids": false,
			},
		},
		{
			name:  "list order is data, exist, child; duplicates repeat",
			child: []string{"/gone"},
			exist: []string{"/same"},
			data:  []string{"/gone", "/gone"},
			want: []Event{
				ev(protocol.EventNodeDeleted, "/gone"),
				ev(protocol.EventNodeDeleted, "/gone"),
				ev(protocol.EventNodeCreated, "/same"),
				ev(protocol.EventNodeDeleted, "/gone"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManager()
			got := m.Replay(tree, 10, tc.data, tc.exist, tc.child, tc.pers, tc.recurs, w)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Replay = %v, want %v", got, tc.want)
			}
			for trig, wantFired := range tc.after {
				// Each check runs on a copy of the state so checks do not consume each other.
				m2 := NewManager()
				m2.Replay(tree, 10, tc.data, tc.exist, tc.child, tc.pers, tc.recurs, w)
				evName, path, _ := strings.Cut(trig, " ")
				script := "trig " + path + " " + evName + " => "
				if wantFired {
					script += "7"
				}
				runScript(t, m2, []string{script})
			}
		})
	}
}
