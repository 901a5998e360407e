package watch

import "github.com/zkensemble/zkensemble/pkg/protocol"

// TreeView is the read access Replay needs to the data tree; the server adapts its tree.
type TreeView interface {
	// Stat returns the node's mzxid (last data change) and pzxid (last child change), and
	// whether the node exists.
	Stat(path string) (mzxid, pzxid int64, ok bool)
}

// Replay re-registers the watches a reconnecting client lists in SetWatches/SetWatches2 and
// returns the events it missed while disconnected, following DataTree.setWatches:
//   - data watch: node gone → NodeDeleted; mzxid > relativeZxid → NodeDataChanged;
//     otherwise the watch is registered again;
//   - exist watch: node present → NodeCreated (whatever its zxids: the client's watch was on a
//     missing node); otherwise registered again;
//   - child watch: node gone → NodeDeleted; pzxid > relativeZxid → NodeChildrenChanged;
//     otherwise registered again;
//   - persistent and persistent-recursive watches are registered again and produce no event,
//     even if the node changed meanwhile (ZooKeeper sends none either).
//
// A watch that produces an event is not registered: it was one-shot and has now fired.
// Events come in list order: data, then exist, then child, each in the order given, and a
// path listed twice yields two events, as ZooKeeper sends them.
func (m *Manager) Replay(view TreeView, relativeZxid int64, data, exist, child, persistent, persistentRecursive []string, w WatcherID) []Event {
	m.init()
	var out []Event
	emit := func(ev protocol.EventType, path string) {
		out = append(out, Event{Watcher: w, Type: ev, Path: path})
	}
	for _, p := range data {
		mzxid, _, ok := view.Stat(p)
		switch {
		case !ok:
			emit(protocol.EventNodeDeleted, p)
		case mzxid > relativeZxid:
			emit(protocol.EventNodeDataChanged, p)
		default:
			m.AddData(p, w)
		}
	}
	for _, p := range exist {
		if _, _, ok := view.Stat(p); ok {
			emit(protocol.EventNodeCreated, p)
		} else {
			m.AddData(p, w)
		}
	}
	for _, p := range child {
		_, pzxid, ok := view.Stat(p)
		switch {
		case !ok:
			emit(protocol.EventNodeDeleted, p)
		case pzxid > relativeZxid:
			emit(protocol.EventNodeChildrenChanged, p)
		default:
			m.AddChild(p, w)
		}
	}
	for _, p := range persistent {
		m.AddPersistent(p, w, false)
	}
	for _, p := range persistentRecursive {
		m.AddPersistent(p, w, true)
	}
	return out
}
