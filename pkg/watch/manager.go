package watch

import (
	"fmt"
	"sort"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// WatcherID identifies who receives notifications; the server uses its connection id.
type WatcherID int64

// Event is one notification to send: WatcherEvent{Type, SyncConnected, Path} to Watcher.
// Path is the path that changed, also for a persistent-recursive watch set on an ancestor.
type Event struct {
	Watcher WatcherID
	Type    protocol.EventType
	Path    string
}

// Manager holds the data and child watch tables of one server (see the package doc).
// The zero value is ready to use. Not goroutine-safe.
type Manager struct {
	data  *table
	child *table
}

// NewManager returns an empty Manager.
func NewManager() *Manager {
	m := &Manager{}
	m.init()
	return m
}

func (m *Manager) init() {
	if m.data == nil {
		m.data, m.child = newTable(), newTable()
	}
}

// AddData registers a one-shot watch from getData or exists on path. ZooKeeper keeps an
// exists watch on a missing node in the same table, so its NodeCreated reaches it.
func (m *Manager) AddData(path string, w WatcherID) {
	m.init()
	m.data.add(path, w, modeStandard)
}

// AddChild registers a one-shot watch from getChildren on path.
func (m *Manager) AddChild(path string, w WatcherID) {
	m.init()
	m.child.add(path, w, modeStandard)
}

// AddPersistent registers an addWatch watch. A persistent watch goes in both tables (it sees
// data, existence and children changes of path); a recursive one only in the data table, so
// it sees creation, deletion and data changes of path and all its descendants but no
// NodeChildrenChanged (DataTree.addWatch).
func (m *Manager) AddPersistent(path string, w WatcherID, recursive bool) {
	m.init()
	if recursive {
		m.data.add(path, w, modePersistentRecursive)
		return
	}
	m.data.add(path, w, modePersistent)
	m.child.add(path, w, modePersistent)
}

// Trigger returns the notifications for one change of type ev at path and consumes the
// one-shot watches that fired. Tables by event type, as DataTree calls them:
//   - NodeCreated, NodeDataChanged: data table;
//   - NodeDeleted: data table, then child table (one-shot child watches on path are consumed
//     even for a watcher the data table already notified);
//   - NodeChildrenChanged: child table (call it with the parent's path).
//
// Each watcher appears at most once; events are in ascending Watcher order. Any other event
// type is a bug in the caller and panics.
func (m *Manager) Trigger(path string, ev protocol.EventType) []Event {
	m.init()
	fired := make(map[WatcherID]struct{})
	switch ev {
	case protocol.EventNodeCreated, protocol.EventNodeDataChanged:
		m.data.trigger(path, fired)
	case protocol.EventNodeDeleted:
		m.data.trigger(path, fired)
		m.child.trigger(path, fired)
	case protocol.EventNodeChildrenChanged:
		m.child.trigger(path, fired)
	default:
		panic(fmt.Sprintf("watch: Trigger with event type %v on %q", ev, path))
	}
	if len(fired) == 0 {
		return nil
	}
	ids := make([]WatcherID, 0, len(fired))
	for w := range fired {
		ids = append(ids, w)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]Event, len(ids))
	for i, w := range ids {
		out[i] = Event{Watcher: w, Type: ev, Path: path}
	}
	return out
}

// Remove implements removeWatches for watcher w on path (DataTree.removeWatch) and reports
// whether anything was removed; if not, the server answers NoWatcher. Nothing is sent to the
// client either way (see the package doc).
//   - Children: the one-shot child watch; Data: the one-shot data/exists watch;
//   - Persistent: the persistent watch (both tables); PersistentRecursive: the recursive one;
//   - Any: every mode in both tables.
//
// An unknown type removes nothing.
func (m *Manager) Remove(path string, typ protocol.WatcherType, w WatcherID) bool {
	m.init()
	switch typ {
	case protocol.WatcherChildren:
		return m.child.remove(path, w, modeStandard)
	case protocol.WatcherData:
		return m.data.remove(path, w, modeStandard)
	case protocol.WatcherPersistent:
		c := m.child.remove(path, w, modePersistent)
		d := m.data.remove(path, w, modePersistent)
		return c || d
	case protocol.WatcherPersistentRecursive:
		return m.data.remove(path, w, modePersistentRecursive)
	case protocol.WatcherAny:
		c := m.child.remove(path, w, modeAny)
		d := m.data.remove(path, w, modeAny)
		return c || d
	}
	return false
}

// Contains implements checkWatches (DataTree.containsWatcher): whether w holds a watch of
// typ on path, with the same type mapping as Remove. Persistent is looked up in the data
// table, where every persistent watch also lives.
func (m *Manager) Contains(path string, typ protocol.WatcherType, w WatcherID) bool {
	m.init()
	switch typ {
	case protocol.WatcherChildren:
		return m.child.has(path, w, modeStandard)
	case protocol.WatcherData:
		return m.data.has(path, w, modeStandard)
	case protocol.WatcherPersistent:
		return m.data.has(path, w, modePersistent)
	case protocol.WatcherPersistentRecursive:
		return m.data.has(path, w, modePersistentRecursive)
	case protocol.WatcherAny:
		return m.child.has(path, w, modeAny) || m.data.has(path, w, modeAny)
	}
	return false
}

// RemoveWatcher drops every watch of w; call it when its connection closes.
func (m *Manager) RemoveWatcher(w WatcherID) {
	m.init()
	m.data.removeWatcher(w)
	m.child.removeWatcher(w)
}
