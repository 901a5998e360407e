package watch

import (
	"reflect"
	"testing"
)

func TestReports(t *testing.T) {
	m := NewManager()
	runScript(t, m, []string{
		"data /a 2",
		"data /b 2",
		"data /a 1",
		"pers /p 1",  // both tables
		"rec /r 3",   // data table
		"child /c 4", // child table only: invisible to wchs/wchc/wchp, as in ZooKeeper
	})
	watchers, paths, total := m.Stats()
	if watchers != 3 || paths != 4 || total != 5 {
		t.Errorf("Stats = %d, %d, %d; want 3, 4, 5", watchers, paths, total)
	}
	// data: /a×2, /b, /p, /r; child: /p, /c
	if got := m.WatchCount(); got != 7 {
		t.Errorf("WatchCount = %d, want 7", got)
	}
	wantByWatcher := map[WatcherID][]string{1: {"/a", "/p"}, 2: {"/a", "/b"}, 3: {"/r"}}
	if got := m.ByWatcher(); !reflect.DeepEqual(got, wantByWatcher) {
		t.Errorf("ByWatcher = %v, want %v", got, wantByWatcher)
	}
	wantByPath := map[string][]WatcherID{"/a": {1, 2}, "/b": {2}, "/p": {1}, "/r": {3}}
	if got := m.ByPath(); !reflect.DeepEqual(got, wantByPath) {
		t.Errorf("ByPath = %v, want %v", got, wantByPath)
	}
	if got := SortedWatchers(m.ByWatcher()); !reflect.DeepEqual(got, []WatcherID{1, 2, 3}) {
		t.Errorf("SortedWatchers = %v", got)
	}
	if got := SortedPaths(m.ByPath()); !reflect.DeepEqual(got, []string{"/a", "/b", "/p", "/r"}) {
		t.Errorf("SortedPaths = %v", got)
	}

	// Firing and closing shrink the reports.
	runScript(t, m, []string{"trig /a changed => 1,2", "close 3"})
	watchers, paths, total = m.Stats()
	if watchers != 2 || paths != 2 || total != 2 {
		t.Errorf("after: Stats = %d, %d, %d; want 2, 2, 2", watchers, paths, total)
	}
	if got := m.WatchCount(); got != 4 {
		t.Errorf("after: WatchCount = %d, want 4", got)
	}
}

func TestReportsEmpty(t *testing.T) {
	m := NewManager()
	if w, p, n := m.Stats(); w != 0 || p != 0 || n != 0 {
		t.Errorf("Stats = %d, %d, %d", w, p, n)
	}
	if len(m.ByWatcher()) != 0 || len(m.ByPath()) != 0 || m.WatchCount() != 0 {
		t.Error("empty manager reports watches")
	}
}
