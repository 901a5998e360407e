package watch

// mode is the set of watch modes one watcher holds on one path (ZooKeeper's WatchStats).
type mode uint8

const (
	modeStandard            mode = 1 << iota // one-shot: removed when it fires
	modePersistent                           // fires on the path itself, kept
	modePersistentRecursive                  // fires on the path and every descendant, kept
	modeAny                 mode = modeStandard | modePersistent | modePersistentRecursive
)

// table is one of ZooKeeper's two WatchManager instances.
type table struct {
	byPath    map[string]map[WatcherID]mode
	byWatcher map[WatcherID]map[string]struct{}
	// recursive counts (watcher, path) pairs holding modePersistentRecursive. While it is
	// zero a trigger looks at the changed path only, as WatchManager.getPathParentIterator.
	recursive int
}

func newTable() *table {
	return &table{
		byPath:    make(map[string]map[WatcherID]mode),
		byWatcher: make(map[WatcherID]map[string]struct{}),
	}
}

// add gives w mode m on path; it reports whether that changed anything.
func (t *table) add(path string, w WatcherID, m mode) bool {
	ws, ok := t.byPath[path]
	if !ok {
		ws = make(map[WatcherID]mode)
		t.byPath[path] = ws
	}
	old := ws[w]
	if old|m == old {
		return false
	}
	ws[w] = old | m
	ps, ok := t.byWatcher[w]
	if !ok {
		ps = make(map[string]struct{})
		t.byWatcher[w] = ps
	}
	ps[path] = struct{}{}
	if m&modePersistentRecursive != 0 && old&modePersistentRecursive == 0 {
		t.recursive++
	}
	return true
}

// has reports whether w holds any of the modes in m on path.
func (t *table) has(path string, w WatcherID, m mode) bool {
	return t.byPath[path][w]&m != 0
}

// remove takes the modes in m away from w on path and reports whether w held any of them.
func (t *table) remove(path string, w WatcherID, m mode) bool {
	old := t.byPath[path][w]
	if old&m == 0 {
		return false
	}
	t.set(path, w, old, old&^m)
	return true
}

// set replaces w's modes on path, keeping both indexes and the recursive count consistent.
func (t *table) set(path string, w WatcherID, old, now mode) {
	if old&modePersistentRecursive != 0 && now&modePersistentRecursive == 0 {
		t.recursive--
	}
	if now != 0 {
		t.byPath[path][w] = now
		return
	}
	ws := t.byPath[path]
	delete(ws, w)
	if len(ws) == 0 {
		delete(t.byPath, path)
	}
	ps := t.byWatcher[w]
	delete(ps, path)
	if len(ps) == 0 {
		delete(t.byWatcher, w)
	}
}

// removeWatcher drops every watch of w (its connection closed).
func (t *table) removeWatcher(w WatcherID) {
	for path := range t.byWatcher[w] {
		t.set(path, w, t.byPath[path][w], 0)
	}
}

// trigger collects into fired the watchers a change at path notifies, consuming
// one-shot watches on path itself (WatchManager.triggerWatch):
//   - on path itself every mode fires, and the standard mode is used up;
//   - on an ancestor only persistent-recursive watches fire.
//
// NodeChildrenChanged never reaches a recursive watch because only the data table holds
// recursive watches and that event only goes to the child table (DataTree.addWatch).
func (t *table) trigger(path string, fired map[WatcherID]struct{}) {
	at := path
	for level := 0; ; level++ {
		for w, m := range t.byPath[at] {
			switch {
			case level == 0:
				fired[w] = struct{}{}
				if m&modeStandard != 0 {
					t.set(at, w, m, m&^modeStandard)
				}
			case m&modePersistentRecursive != 0:
				fired[w] = struct{}{}
			}
		}
		if at == "/" || t.recursive == 0 {
			return
		}
		at = parent(at)
	}
}

// parent of an absolute path: "/a/b" → "/a", "/a" → "/".
func parent(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	return "/"
}

// size counts (path, watcher) pairs, as WatchManager.size.
func (t *table) size() int {
	n := 0
	for _, ws := range t.byPath {
		n += len(ws)
	}
	return n
}
