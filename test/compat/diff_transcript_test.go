package compat

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// entryKind says what a transcript entry records.
type entryKind int

const (
	entryConnect entryKind = iota + 1 // a ConnectResponse
	entryReply                        // a reply to a request
	entryEvent                        // a notification (xid -1)
	entryClosed                       // the server closed the connection
	entryTimeout                      // nothing came within rawIOTimeout
	entryNote                         // something the runner did (sent raw bytes, dropped the connection)
)

func (k entryKind) String() string {
	switch k {
	case entryConnect:
		return "connect"
	case entryReply:
		return "reply"
	case entryEvent:
		return "event"
	case entryClosed:
		return "closed"
	case entryTimeout:
		return "timeout"
	case entryNote:
		return "note"
	}
	return fmt.Sprintf("entryKind(%d)", int(k))
}

// entry is one thing a session saw, in arrival order.
type entry struct {
	sess   string
	kind   entryKind
	op     protocol.OpCode   // the request a reply answers
	header *jute.ReplyHeader // replies and events
	body   any               // decoded response, *jute.WatcherEvent or *jute.ConnectResponse
	raw    []byte            // bytes that were not decoded
	text   string            // notes and decode errors
	// sharedStat: the reply's Stat belongs to a node every scenario shares (step.sharedStat).
	sharedStat bool
}

// normalizer rewrites the values that legitimately differ between two servers running the same
// scenario: session ids and passwords, wall-clock times, and absolute zxids.
type normalizer struct {
	baseZxid int64 // the zxid of the scenario's first write (creating its root)
	sessions map[int64]string
	// masking is set while an entry marked sharedStat renders: the fields of its Stat that
	// other scenarios change (children created and deleted under "/" or "/zookeeper") are
	// replaced by <shared>.
	masking bool
}

func newNormalizer(baseZxid int64) *normalizer {
	return &normalizer{baseZxid: baseZxid, sessions: map[int64]string{}}
}

// zxid renders z relative to the scenario's first write; 0 and -1 (no zxid) stay literal.
func (n *normalizer) zxid(z int64) string {
	switch {
	case z == 0 || z == -1:
		return fmt.Sprint(z)
	case z >= n.baseZxid:
		return fmt.Sprintf("+%d", z-n.baseZxid)
	}
	return fmt.Sprintf("before(0x%x)", z)
}

func (n *normalizer) session(id int64) string {
	if id == 0 {
		return "0"
	}
	if s, ok := n.sessions[id]; ok {
		return s
	}
	s := fmt.Sprintf("S%d", len(n.sessions)+1)
	n.sessions[id] = s
	return s
}

// owner renders an ephemeralOwner: sessions get their placeholder, the container and TTL
// markers (EphemeralType.java) stay as they are.
func (n *normalizer) owner(v int64) string {
	if v == 0 || uint64(v) == 0x8000000000000000 || uint64(v)>>56 == 0xff {
		return fmt.Sprintf("0x%x", uint64(v))
	}
	return n.session(v)
}

func (n *normalizer) header(h *jute.ReplyHeader) string {
	return fmt.Sprintf("xid=%d zxid=%s err=%s", h.Xid, n.zxid(h.Zxid), protocol.ErrCode(h.Err).String())
}

// render turns a transcript into comparable lines.
func (n *normalizer) render(entries []entry) []string {
	var out []string
	for _, e := range entries {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %-7s", e.sess, e.kind)
		switch e.kind {
		case entryConnect:
			if r, ok := e.body.(*jute.ConnectResponse); ok {
				ro := "absent"
				if r.HasReadOnly {
					ro = fmt.Sprint(r.ReadOnly)
				}
				fmt.Fprintf(&b, " proto=%d timeout=%d session=%s passwd=%s readOnly=%s",
					r.ProtocolVersion, r.TimeOut, n.session(r.SessionID), passwd(r.Passwd), ro)
			}
		case entryReply:
			fmt.Fprintf(&b, " %v %s", e.op, n.header(e.header))
			if e.body != nil {
				n.masking = e.sharedStat
				b.WriteString(" " + n.value("", reflect.ValueOf(e.body)))
				n.masking = false
			}
		case entryEvent:
			if ev, ok := e.body.(*jute.WatcherEvent); ok {
				fmt.Fprintf(&b, " %v %v %q %s", protocol.EventType(ev.Type), protocol.KeeperState(ev.State), ev.Path, n.header(e.header))
			}
		}
		if len(e.raw) > 0 {
			fmt.Fprintf(&b, " raw=%x", e.raw)
		}
		if e.text != "" {
			b.WriteString(" " + e.text)
		}
		out = append(out, b.String())
	}
	return out
}

func passwd(p []byte) string {
	if p == nil {
		return "null"
	}
	if slices.ContainsFunc(p, func(c byte) bool { return c != 0 }) {
		return fmt.Sprintf("bytes(%d)", len(p))
	}
	return fmt.Sprintf("zeros(%d)", len(p))
}

// sortedFields are lists ZooKeeper returns in hash order: children and ephemerals (HashSets
// in DataNode and DataTree) and whoAmI's identities (ServerCnxn.authInfo is a set backed by a
// ConcurrentHashMap).
var sortedFields = map[string]bool{"Children": true, "Ephemerals": true, "ClientInfo": true}

// value renders v field by field; name is the field v came from, which selects the
// normalisation (zxids, times, owners).
func (n *normalizer) value(name string, v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "nil"
		}
		return n.value(name, v.Elem())
	}
	if n.masking && (name == "Cversion" || name == "NumChildren" || name == "Pzxid") {
		return "<shared>"
	}
	switch name {
	case "Czxid", "Mzxid", "Pzxid", "Zxid":
		return n.zxid(v.Int())
	case "Ctime", "Mtime":
		if v.Int() == 0 {
			return "0"
		}
		return "<time>"
	case "EphemeralOwner":
		return n.owner(v.Int())
	}
	if v.CanInterface() {
		if s, ok := v.Interface().(fmt.Stringer); ok && v.Kind() != reflect.Struct {
			return s.String()
		}
	}
	switch v.Kind() {
	case reflect.Struct:
		var parts []string
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			parts = append(parts, f.Name+":"+n.value(f.Name, v.Field(i)))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case reflect.Slice:
		if v.IsNil() {
			return "null"
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("%q", v.Bytes())
		}
		items := make([]string, v.Len())
		for i := range items {
			items[i] = n.value("", v.Index(i))
		}
		if sortedFields[name] {
			slices.Sort(items)
		}
		return "[" + strings.Join(items, " ") + "]"
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}
