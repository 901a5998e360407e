package watch

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// A script line is one of:
//
//	data P W | child P W | pers P W | rec P W       register a watch
//	trig P EVENT => W,W,...                         Trigger; expected watchers in order ("" = none)
//	rm P TYPE W => BOOL                             Remove
//	has P TYPE W => BOOL                            Contains
//	close W                                         RemoveWatcher
//
// EVENT: created deleted changed children. TYPE: children data any pers rec.
var events = map[string]protocol.EventType{
	"created":  protocol.EventNodeCreated,
	"deleted":  protocol.EventNodeDeleted,
	"changed":  protocol.EventNodeDataChanged,
	"children": protocol.EventNodeChildrenChanged,
}

var watcherTypes = map[string]protocol.WatcherType{
	"children": protocol.WatcherChildren,
	"data":     protocol.WatcherData,
	"any":      protocol.WatcherAny,
	"pers":     protocol.WatcherPersistent,
	"rec":      protocol.WatcherPersistentRecursive,
	"bogus":    protocol.WatcherType(9),
}

func runScript(t *testing.T, m *Manager, script []string) {
	t.Helper()
	for i, line := range script {
		lhs, want, _ := strings.Cut(line, " => ")
		f := strings.Fields(lhs)
		w := func(s string) WatcherID {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("line %d %q: bad watcher %q", i, line, s)
			}
			return WatcherID(n)
		}
		switch f[0] {
		case "data":
			m.AddData(f[1], w(f[2]))
		case "child":
			m.AddChild(f[1], w(f[2]))
		case "pers":
			m.AddPersistent(f[1], w(f[2]), false)
		case "rec":
			m.AddPersistent(f[1], w(f[2]), true)
		case "close":
			m.RemoveWatcher(w(f[1]))
		case "trig":
			ev, ok := events[f[2]]
			if !ok {
				t.Fatalf("line %d: bad event %q", i, f[2])
			}
			got := m.Trigger(f[1], ev)
			var wantEvents []Event
			for _, s := range strings.Split(want, ",") {
				if s = strings.TrimSpace(s); s != "" {
					wantEvents = append(wantEvents, Event{Watcher: w(s), Type: ev, Path: f[1]})
				}
			}
			if !reflect.DeepEqual(got, wantEvents) {
				t.Fatalf("line %d %q: got %v", i, line, got)
			}
		case "rm", "has":
			typ, ok := watcherTypes[f[2]]
			if !ok {
				t.Fatalf("line %d: bad type %q", i, f[2])
			}
			var got bool
			if f[0] == "rm" {
				got = m.Remove(f[1], typ, w(f[3]))
			} else {
				got = m.Contains(f[1], typ, w(f[3]))
			}
			if fmt.Sprint(got) != want {
				t.Fatalf("line %d %q: got %v", i, line, got)
			}
		default:
			t.Fatalf("line %d: bad op %q", i, f[0])
		}
	}
}

func TestManagerScripts(t *testing.T) {
	tests := []struct {
		name   string
		script []string
	}{
		{"exists watch on a missing node gets NodeCreated once", []string{
			"data /a 1",
			"trig /a created => 1",
			"trig /a created => ",
			"has /a data 1 => false",
		}},
		{"getData watch fires on change and is consumed", []string{
			"data /a 1",
			"data /a 2",
			"trig /a changed => 1,2",
			"trig /a changed => ",
		}},
		{"data watch ignores the children of its node", []string{
			"data /a 1",
			"trig /a children => ",
			"trig /a/b created => ",
			"has /a data 1 => true",
		}},
		{"child watch fires on children changed only", []string{
			"child /a 1",
			"trig /a changed => ",
			"trig /a created => ",
			"trig /a children => 1",
			"trig /a children => ",
		}},
		{"deleted hits both tables, one event per watcher, both consumed", []string{
			"data /a 1",
			"child /a 1",
			"child /a 2",
			"data /a 3",
			"trig /a deleted => 1,2,3",
			"has /a any 1 => false",
			"trig /a children => ",
			"trig /a changed => ",
		}},
		{"events come in ascending watcher order", []string{
			"data /a 30",
			"data /a 5",
			"data /a 17",
			"trig /a changed => 5,17,30",
		}},
		{"persistent watch sees its node and children, and stays", []string{
			"pers /a 1",
			"trig /a created => 1",
			"trig /a changed => 1",
			"trig /a children => 1",
			"trig /a deleted => 1",
			"trig /a changed => 1",
			"trig /a/b created => ",
			"trig /a/b changed => ",
			"has /a pers 1 => true",
		}},
		{"recursive watch on / sees every node but no children events", []string{
			"rec / 1",
			"trig /a created => 1",
			"trig / children => ",
			"trig /a/b/c changed => 1",
			"trig /a/b/c deleted => 1",
			"trig /a/b children => ",
			"trig / changed => 1",
			"trig /zookeeper/config changed => 1",
		}},
		{"recursive watch on a deep path sees only its subtree", []string{
			"rec /a/b 1",
			"trig /a/b created => 1",
			"trig /a/b/c/d/e changed => 1",
			"trig /a/b/c deleted => 1",
			"trig /a changed => ",
			"trig / changed => ",
			"trig /a/bc changed => ",
			"trig /a/b children => ",
			"trig /x/a/b changed => ",
		}},
		{"one-shot and persistent on one path: one event, one-shot consumed", []string{
			"data /a 1",
			"pers /a 1",
			"trig /a changed => 1",
			"has /a data 1 => false",
			"has /a pers 1 => true",
			"trig /a changed => 1",
			"child /a 1",
			"trig /a children => 1",
			"has /a children 1 => false",
			"has /a any 1 => true",
		}},
		{"one-shot on a node under the watcher's own recursive watch", []string{
			"rec /a 1",
			"data /a/b 1",
			"data /a/b 2",
			"trig /a/b changed => 1,2",
			"has /a/b data 1 => false",
			"trig /a/b changed => 1",
		}},
		{"recursive and one-shot on the same path", []string{
			"rec /a 1",
			"data /a 1",
			"trig /a changed => 1",
			"has /a data 1 => false",
			"has /a rec 1 => true",
			"trig /a changed => 1",
		}},
		{"recursive plus persistent on the same path", []string{
			"rec /a 1",
			"pers /a 1",
			"trig /a children => 1",
			"trig /a/b created => 1",
			"rm /a pers 1 => true",
			"trig /a children => ",
			"trig /a/b created => 1",
		}},
		{"nested recursive watches of one watcher give one event", []string{
			"rec / 1",
			"rec /a 1",
			"rec /a/b 2",
			"trig /a/b/c created => 1,2",
		}},
		{"remove children leaves the data watch", []string{
			"data /a 1",
			"child /a 1",
			"rm /a children 1 => true",
			"rm /a children 1 => false",
			"has /a data 1 => true",
			"trig /a children => ",
			"trig /a changed => 1",
		}},
		{"remove data leaves the child watch", []string{
			"data /a 1",
			"child /a 1",
			"rm /a data 1 => true",
			"has /a children 1 => true",
			"trig /a deleted => 1",
		}},
		{"remove data does not touch persistent watches", []string{
			"pers /a 1",
			"rm /a data 1 => false",
			"rm /a children 1 => false",
			"rm /a rec 1 => false",
			"trig /a changed => 1",
		}},
		{"remove persistent clears both tables", []string{
			"pers /a 1",
			"rm /a pers 1 => true",
			"rm /a pers 1 => false",
			"has /a any 1 => false",
			"trig /a children => ",
			"trig /a changed => ",
		}},
		{"remove recursive stops ancestor matching", []string{
			"rec /a 1",
			"data /a/b/c 2",
			"rm /a rec 1 => true",
			"trig /a/b/c created => 2",
			"trig /a/b/c created => ",
		}},
		{"remove any clears every mode of that watcher only", []string{
			"data /a 1",
			"child /a 1",
			"pers /a 1",
			"rec /a 1",
			"data /a 2",
			"rm /a any 1 => true",
			"rm /a any 1 => false",
			"has /a any 1 => false",
			"trig /a/b created => ",
			"trig /a changed => 2",
		}},
		{"remove is per path and per watcher", []string{
			"data /a 1",
			"rm /b data 1 => false",
			"rm /a data 2 => false",
			"rm /a bogus 1 => false",
			"has /a bogus 1 => false",
			"trig /a changed => 1",
		}},
		{"contains by type", []string{
			"data /d 1",
			"child /c 1",
			"pers /p 1",
			"rec /r 1",
			"has /d data 1 => true",
			"has /d children 1 => false",
			"has /d any 1 => true",
			"has /c children 1 => true",
			"has /c data 1 => false",
			"has /c any 1 => true",
			"has /p pers 1 => true",
			"has /p data 1 => false",
			"has /p children 1 => false",
			"has /p rec 1 => false",
			"has /r rec 1 => true",
			"has /r pers 1 => false",
			"has /r any 1 => true",
			"has /r any 2 => false",
			"has /x any 1 => false",
		}},
		{"closing a connection drops all its watches", []string{
			"data /a 1",
			"child /a 1",
			"pers /b 1",
			"rec / 1",
			"data /a 2",
			"close 1",
			"close 99",
			"trig /a deleted => 2",
			"trig /b changed => ",
			"trig /z created => ",
			"has /b any 1 => false",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runScript(t, NewManager(), tc.script)
		})
	}
}

func TestZeroManagerIsUsable(t *testing.T) {
	var m Manager
	if got := m.Trigger("/a", protocol.EventNodeCreated); got != nil {
		t.Fatalf("empty manager fired %v", got)
	}
	runScript(t, &m, []string{"data /a 1", "trig /a created => 1"})
}

func TestTriggerPanicsOnNonTreeEvent(t *testing.T) {
	for _, ev := range []protocol.EventType{protocol.EventNone, protocol.EventDataWatchRemoved, protocol.EventPersistentWatchRemoved} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Trigger with %v did not panic", ev)
				}
			}()
			NewManager().Trigger("/a", ev)
		}()
	}
}

// TestTablesStayConsistent checks that a watch that is fully gone leaves no empty entries
// behind, so the 4lw counts and the recursive fast path stay right.
func TestTablesStayConsistent(t *testing.T) {
	m := NewManager()
	runScript(t, m, []string{
		"data /a 1", "child /a 2", "pers /p 3", "rec /r 4",
		"trig /a deleted => 1,2",
		"rm /p pers 3 => true",
		"rm /r rec 4 => true",
	})
	for name, tb := range map[string]*table{"data": m.data, "child": m.child} {
		if len(tb.byPath) != 0 || len(tb.byWatcher) != 0 || tb.recursive != 0 {
			t.Errorf("%s table not empty: %+v", name, tb)
		}
	}
}

func TestParent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a", "/"},
		{"/a/b", "/a"},
		{"/a/b/c", "/a/b"},
	}
	for _, tc := range tests {
		if got := parent(tc.in); got != tc.want {
			t.Errorf("parent(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
