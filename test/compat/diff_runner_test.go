package compat

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// stepKind is what a scenario step does.
type stepKind int

const (
	stepConnect     stepKind = iota + 1 // open a connection and handshake
	stepRequest                         // send a request and read until its reply
	stepDrain                           // ping and read until the ping reply: collects pending events
	stepExpectClose                     // read until the server closes the connection
	stepRaw                             // write raw bytes
	stepDrop                            // close the TCP connection without closeSession
)

// connectSpec shapes a handshake.
type connectSpec struct {
	timeoutMS  int32  // requested session timeout; 0 means defaultSessionTimeoutMS
	noReadOnly bool   // send the 44-byte ConnectRequest without the readOnly byte
	readOnly   bool   // value of the readOnly byte
	resume     string // resume the session of this label (its id, password and last zxid)
	badPasswd  bool   // with resume: send a wrong password
	sessionID  int64  // without resume: ask for this (unknown) session id
	zxidAhead  bool   // claim a lastZxidSeen far ahead of the server's
	// skipHandshake only opens the TCP connection, for garbage sent in place of a
	// ConnectRequest.
	skipHandshake bool
}

// step is one action of a scenario, on the session labelled sess ("a" when empty).
type step struct {
	kind stepKind
	sess string
	op   protocol.OpCode
	xid  int32       // 0: automatic (special xids for ping, auth, setWatches; else 1, 2, ...)
	req  jute.Record // request body; nil for ops without one
	// dyn builds the request at run time from the session's state (e.g. SetWatches needs the
	// last zxid the session saw).
	dyn  func(s *sessionState) jute.Record
	conn connectSpec
	raw  []byte
	// sharedStat marks a request whose reply holds the Stat of a node other scenarios and runs
	// change too ("/", "/zookeeper"): its cversion, numChildren and pzxid are masked.
	sharedStat bool
	// hashOrder marks a request during which the session receives a run of events Apache
	// emits in Java hash order (the ephemerals of a closed session are deleted in HashSet
	// order, DataTree.killSession): those events are sorted by path, then type.
	hashOrder bool
}

// scenario is a named list of steps under the root znode "/diff-<name>".
type scenario struct {
	name  string
	steps func(root string) []step
}

const defaultSessionTimeoutMS = 30000

// sessionState is what the runner knows about one session label.
type sessionState struct {
	conn     *rawConn
	id       int64
	passwd   []byte
	lastZxid int64
	nextXid  int32
	closed   bool // closed with closeSession: nothing to clean up
}

// runner executes a scenario against one server and records the transcript.
type runner struct {
	addr     string
	sessions map[string]*sessionState
	entries  []entry
	root     string
	baseZxid int64
	// outside are nodes the scenario created outside its root (under /zookeeper), deleted by
	// cleanup so that a later run on the same server starts from the same tree.
	outside []string
	logf    func(format string, args ...any)
	// spread, when set, are the client addresses of an ensemble's members: each session
	// label connects to its own member, in order of first connect (label 1 → spread[0], ...),
	// so that replies, events and session ids cross members. Empty: every session uses addr.
	spread   []string
	memberOf map[string]int
}

func newRunner(addr string, logf func(string, ...any)) *runner {
	return &runner{addr: addr, sessions: map[string]*sessionState{}, logf: logf}
}

func (r *runner) session(label string) *sessionState {
	s := r.sessions[label]
	if s == nil {
		s = &sessionState{nextXid: 1}
		r.sessions[label] = s
	}
	return s
}

func (r *runner) record(e entry) { r.entries = append(r.entries, e) }

// run executes sc: connect "a", create the scenario root (whose zxid is the base the
// transcript's zxids are relative to), the steps, then a drain of every open session. Cleanup
// (closing sessions, deleting the root) is not recorded.
func (r *runner) run(sc scenario) []entry {
	root := "/diff-" + sc.name
	r.root = root
	steps := append([]step{connectStep("a"), createStep(root, "", protocol.ModePersistent)}, sc.steps(root)...)
	for i, st := range steps {
		if st.sess == "" {
			st.sess = "a"
		}
		r.exec(st)
		if i == 1 {
			if last := r.entries[len(r.entries)-1]; last.kind == entryReply && last.header.Err == 0 {
				r.baseZxid = last.header.Zxid
			}
		}
	}
	for _, label := range sortedLabels(r.sessions) {
		if r.sessions[label].conn != nil {
			r.exec(step{kind: stepDrain, sess: label})
		}
	}
	r.cleanup(root)
	return r.entries
}

func sortedLabels(m map[string]*sessionState) []string {
	return slices.Sorted(maps.Keys(m))
}

func (r *runner) exec(st step) {
	if len(r.spread) > 0 {
		r.catchUp(st.sess)
	}
	s := r.session(st.sess)
	switch st.kind {
	case stepConnect:
		r.connect(st.sess, s, st.conn)
	case stepRequest:
		req := st.req
		if st.dyn != nil {
			req = st.dyn(s)
		}
		first := len(r.entries)
		r.request(st.sess, s, st.op, st.xid, req)
		r.markStep(st, first)
	case stepDrain:
		r.request(st.sess, s, protocol.OpPing, protocol.XidPing, nil)
	case stepExpectClose:
		r.readUntilClose(st.sess, s)
	case stepRaw:
		if s.conn == nil {
			r.record(entry{sess: st.sess, kind: entryNote, text: "no connection to write to"})
			return
		}
		err := s.conn.writeBytes(st.raw)
		r.record(entry{sess: st.sess, kind: entryNote, text: fmt.Sprintf("sent %d raw bytes (write error: %v)", len(st.raw), err != nil)})
	case stepDrop:
		if s.conn != nil {
			s.conn.close()
			s.conn = nil
		}
		r.record(entry{sess: st.sess, kind: entryNote, text: "dropped the connection"})
	}
}

// markStep applies a request step's normalisation marks to the entries it recorded, from
// index first on.
func (r *runner) markStep(st step, first int) {
	recorded := r.entries[first:]
	for i := range recorded {
		if recorded[i].kind == entryReply {
			recorded[i].sharedStat = st.sharedStat
			if recorded[i].header.Err == 0 {
				r.noteOutside(recorded[i].body)
			}
		}
	}
	if !st.hashOrder {
		return
	}
	// Sort each run of consecutive events; replies stay where they are, so the order of
	// events relative to replies (which clients rely on) is still compared.
	for i := 0; i < len(recorded); {
		j := i
		for j < len(recorded) && recorded[j].kind == entryEvent {
			j++
		}
		slices.SortStableFunc(recorded[i:j], func(a, b entry) int {
			ea, _ := a.body.(*jute.WatcherEvent)
			eb, _ := b.body.(*jute.WatcherEvent)
			if ea == nil || eb == nil {
				return 0
			}
			if c := strings.Compare(ea.Path, eb.Path); c != 0 {
				return c
			}
			return int(ea.Type - eb.Type)
		})
		i = j + 1
	}
}

// noteOutside remembers a node a create reply names when it lies outside the scenario root.
func (r *runner) noteOutside(body any) {
	var path string
	switch b := body.(type) {
	case *jute.CreateResponse:
		path = b.Path
	case *jute.Create2Response:
		path = b.Path
	default:
		return
	}
	if r.root != "" && path != r.root && !strings.HasPrefix(path, r.root+"/") {
		r.outside = append(r.outside, path)
	}
}

func (r *runner) connect(label string, s *sessionState, spec connectSpec) {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	req := &jute.ConnectRequest{TimeOut: spec.timeoutMS, Passwd: make([]byte, 16), HasReadOnly: !spec.noReadOnly, ReadOnly: spec.readOnly}
	if req.TimeOut == 0 {
		req.TimeOut = defaultSessionTimeoutMS
	}
	if spec.resume != "" {
		old := r.session(spec.resume)
		req.SessionID, req.LastZxidSeen = old.id, old.lastZxid
		req.Passwd = slices.Clone(old.passwd)
		if spec.badPasswd && len(req.Passwd) > 0 {
			req.Passwd[0] ^= 0xff
		}
	} else if spec.sessionID != 0 {
		req.SessionID = spec.sessionID
	}
	if spec.zxidAhead {
		// A client that saw a newer epoch than the server has: ZooKeeper refuses it
		// (ZooKeeperServer.processConnectRequest) so the client moves to a fresher server.
		req.LastZxidSeen = r.baseZxid + 1<<40
	}
	c, err := dialRaw(r.addrOf(label))
	if err != nil {
		r.record(entry{sess: label, kind: entryNote, text: "dial failed: " + err.Error()})
		return
	}
	if spec.skipHandshake {
		r.record(entry{sess: label, kind: entryNote, text: "connected without a handshake"})
		s.conn = c
		return
	}
	if err := c.send(req); err != nil {
		r.record(entry{sess: label, kind: entryNote, text: "send connect failed"})
		c.close()
		return
	}
	frame, err := c.readFrame(rawIOTimeout)
	switch {
	case errors.Is(err, io.EOF):
		r.record(entry{sess: label, kind: entryClosed})
		c.close()
		return
	case err != nil:
		r.record(entry{sess: label, kind: entryTimeout, text: err.Error()})
		c.close()
		return
	}
	resp := &jute.ConnectResponse{}
	if err := jute.Unmarshal(frame, resp); err != nil {
		r.record(entry{sess: label, kind: entryNote, raw: frame, text: "bad ConnectResponse: " + err.Error()})
		c.close()
		return
	}
	r.record(entry{sess: label, kind: entryConnect, body: resp})
	s.conn = c
	if resp.SessionID != 0 && resp.TimeOut > 0 {
		if s.id != resp.SessionID {
			s.nextXid = 1
		}
		s.id, s.passwd, s.closed = resp.SessionID, resp.Passwd, false
		if spec.resume != "" && spec.resume != label {
			s.lastZxid = r.session(spec.resume).lastZxid
		}
	}
}

// autoXid picks the xid a real client uses for op.
func autoXid(s *sessionState, op protocol.OpCode) int32 {
	switch op {
	case protocol.OpPing:
		return protocol.XidPing
	case protocol.OpAuth:
		return protocol.XidAuth
	case protocol.OpSetWatches, protocol.OpSetWatches2:
		return protocol.XidSetWatches
	}
	x := s.nextXid
	s.nextXid++
	return x
}

func (r *runner) request(label string, s *sessionState, op protocol.OpCode, xid int32, req jute.Record) {
	if s.conn == nil {
		r.record(entry{sess: label, kind: entryNote, text: fmt.Sprintf("%v not sent: no connection", op)})
		return
	}
	if xid == 0 {
		xid = autoXid(s, op)
	}
	hdr := &jute.RequestHeader{Xid: xid, Type: int32(op)}
	if err := s.conn.send(hdr, req); err != nil {
		r.record(entry{sess: label, kind: entryNote, text: fmt.Sprintf("%v send failed", op)})
		return
	}
	for range 1000 { // bounded: a reply is never preceded by more than a few events here
		frame, err := s.conn.readFrame(rawIOTimeout)
		if errors.Is(err, io.EOF) {
			r.record(entry{sess: label, kind: entryClosed})
			s.conn.close()
			s.conn = nil
			return
		}
		if err != nil {
			r.record(entry{sess: label, kind: entryTimeout, text: fmt.Sprintf("waiting for %v xid %d", op, xid)})
			return
		}
		h, body, raw, derr := decodeReply(frame, op)
		e := entry{sess: label, kind: entryReply, op: op, header: &h, body: body, raw: raw}
		if derr != nil {
			e.text = derr.Error()
		}
		if h.Xid == protocol.XidNotification {
			e.kind, e.op = entryEvent, protocol.OpNotification
			r.record(e)
			continue
		}
		if h.Zxid > s.lastZxid {
			s.lastZxid = h.Zxid
		}
		if h.Xid != xid {
			e.text += fmt.Sprintf(" (unexpected xid, waiting for %d)", xid)
		}
		r.record(e)
		if h.Xid == xid {
			if op == protocol.OpCloseSession && h.Err == 0 {
				s.closed = true
			}
			return
		}
	}
}

func (r *runner) readUntilClose(label string, s *sessionState) {
	if s.conn == nil {
		r.record(entry{sess: label, kind: entryNote, text: "no connection"})
		return
	}
	for range 100 {
		frame, err := s.conn.readFrame(rawIOTimeout)
		if errors.Is(err, io.EOF) {
			r.record(entry{sess: label, kind: entryClosed})
			s.conn.close()
			s.conn = nil
			return
		}
		if err != nil {
			r.record(entry{sess: label, kind: entryTimeout, text: "connection stayed open"})
			return
		}
		h, body, raw, _ := decodeReply(frame, protocol.OpNotification)
		kind := entryReply
		if h.Xid == protocol.XidNotification {
			kind = entryEvent
		}
		r.record(entry{sess: label, kind: kind, header: &h, body: body, raw: raw})
	}
}

// cleanup closes every session the scenario left open (reconnecting where the server dropped
// the connection) and deletes the scenario's tree, so that nothing it leaves behind expires
// or gets reaped during a later scenario and shifts that one's zxids.
func (r *runner) cleanup(root string) {
	done := map[int64]bool{}
	for _, label := range sortedLabels(r.sessions) {
		s := r.sessions[label]
		if s.id == 0 || s.closed || done[s.id] {
			if s.conn != nil {
				s.conn.close()
			}
			continue
		}
		done[s.id] = true
		if s.conn == nil {
			c, err := dialRaw(r.addr)
			if err != nil {
				r.logf("cleanup: dial: %v", err)
				continue
			}
			_ = c.send(&jute.ConnectRequest{TimeOut: defaultSessionTimeoutMS, SessionID: s.id, Passwd: s.passwd, HasReadOnly: true})
			if _, err := c.readFrame(rawIOTimeout); err != nil {
				c.close()
				continue // expired or refused: nothing left to close
			}
			s.conn = c
		}
		_ = s.conn.send(&jute.RequestHeader{Xid: 1 << 30, Type: int32(protocol.OpCloseSession)})
		for range 100 {
			f, err := s.conn.readFrame(rawIOTimeout)
			if err != nil {
				break
			}
			if h, _, _, _ := decodeReply(f, protocol.OpCloseSession); h.Xid == 1<<30 {
				break
			}
		}
		s.conn.close()
		s.conn = nil
	}
	// Deepest first, so that a node goes before its parent.
	slices.SortFunc(r.outside, func(a, b string) int { return strings.Compare(b, a) })
	for _, p := range append(r.outside, root) {
		if err := deleteTree(r.addr, p); err != nil {
			r.logf("cleanup of %s: %v", p, err)
		}
	}
}

// deleteTree removes root and everything under it with a fresh session authenticated as the
// super user of diffServerOptions (scenarios leave nodes whose ACL forbids deleting their
// children), then closes it.
func deleteTree(addr, root string) error {
	c, err := dialRaw(addr)
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.send(&jute.ConnectRequest{TimeOut: defaultSessionTimeoutMS, Passwd: make([]byte, 16), HasReadOnly: true}); err != nil {
		return err
	}
	if _, err := c.readFrame(rawIOTimeout); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if err := c.send(&jute.RequestHeader{Xid: protocol.XidAuth, Type: int32(protocol.OpAuth)},
		&jute.AuthPacket{Scheme: "digest", Auth: []byte("super:" + superSecret)}); err != nil {
		return err
	}
	for range 100 {
		f, err := c.readFrame(rawIOTimeout)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if h, _, _, _ := decodeReply(f, protocol.OpAuth); h.Xid == protocol.XidAuth {
			if h.Err != 0 {
				return fmt.Errorf("auth as super: %v", protocol.ErrCode(h.Err))
			}
			break
		}
	}
	xid := int32(0)
	call := func(op protocol.OpCode, req jute.Record) (jute.ReplyHeader, jute.Record, error) {
		xid++
		if err := c.send(&jute.RequestHeader{Xid: xid, Type: int32(op)}, req); err != nil {
			return jute.ReplyHeader{}, nil, err
		}
		for range 1000 {
			f, err := c.readFrame(rawIOTimeout)
			if err != nil {
				return jute.ReplyHeader{}, nil, err
			}
			h, body, _, err := decodeReply(f, op)
			if h.Xid == xid {
				return h, body, err
			}
		}
		return jute.ReplyHeader{}, nil, fmt.Errorf("no reply to xid %d", xid)
	}
	var walk func(p string, depth int) error
	walk = func(p string, depth int) error {
		if depth > 50 {
			return fmt.Errorf("tree under %s too deep", root)
		}
		h, body, err := call(protocol.OpGetChildren, &jute.GetChildrenRequest{Path: p})
		if err != nil {
			return err
		}
		if h.Err == int32(protocol.ErrNoNode) {
			return nil
		}
		if resp, ok := body.(*jute.GetChildrenResponse); ok {
			for _, ch := range resp.Children {
				if err := walk(p+"/"+ch, depth+1); err != nil {
					return err
				}
			}
		}
		h, _, err = call(protocol.OpDelete, &jute.DeleteRequest{Path: p, Version: -1})
		if err == nil && h.Err != 0 && h.Err != int32(protocol.ErrNoNode) {
			err = fmt.Errorf("delete %s: %v", p, protocol.ErrCode(h.Err))
		}
		return err
	}
	err = walk(root, 0)
	_, _, _ = call(protocol.OpCloseSession, nil)
	return err
}
