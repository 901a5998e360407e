package watch

import "sort"

// The four-letter-word reports below describe the data table only, as ZooKeeper's do
// (DataTree.getWatchesSummary, getWatches and getWatchesByPath all read dataWatches): a
// getChildren watch does not show in wchs, wchc or wchp. WatchCount (mntr zk_watch_count)
// counts both tables, as DataTree.getWatchCount. Matching these quirks keeps our output
// comparable with Apache ZooKeeper's.

// Stats is the wchs summary: watchers (connections) with a watch, watched paths, and
// (watcher, path) pairs.
func (m *Manager) Stats() (watchers int, paths int, total int) {
	m.init()
	for _, ps := range m.data.byWatcher {
		total += len(ps)
	}
	return len(m.data.byWatcher), len(m.data.byPath), total
}

// WatchCount is mntr's zk_watch_count: (path, watcher) pairs in both tables.
func (m *Manager) WatchCount() int {
	m.init()
	return m.data.size() + m.child.size()
}

// ByWatcher is the wchc dump: each watcher's watched paths, sorted.
func (m *Manager) ByWatcher() map[WatcherID][]string {
	m.init()
	out := make(map[WatcherID][]string, len(m.data.byWatcher))
	for w, ps := range m.data.byWatcher {
		list := make([]string, 0, len(ps))
		for p := range ps {
			list = append(list, p)
		}
		sort.Strings(list)
		out[w] = list
	}
	return out
}

// ByPath is the wchp dump: each watched path's watchers, in ascending order.
func (m *Manager) ByPath() map[string][]WatcherID {
	m.init()
	out := make(map[string][]WatcherID, len(m.data.byPath))
	for p, ws := range m.data.byPath {
		list := make([]WatcherID, 0, len(ws))
		for w := range ws {
			list = append(list, w)
		}
		sortIDs(list)
		out[p] = list
	}
	return out
}

// SortedWatchers returns the keys of a ByWatcher report in ascending order, for printing.
func SortedWatchers(byWatcher map[WatcherID][]string) []WatcherID {
	ids := make([]WatcherID, 0, len(byWatcher))
	for w := range byWatcher {
		ids = append(ids, w)
	}
	sortIDs(ids)
	return ids
}

// SortedPaths returns the keys of a ByPath report in ascending order, for printing.
func SortedPaths(byPath map[string][]WatcherID) []string {
	ps := make([]string, 0, len(byPath))
	for p := range byPath {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

func sortIDs(ids []WatcherID) {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
}
