package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/version"
)

// ConfigNode is where servers publish the dynamic configuration (ZooDefs.CONFIG_NODE).
const ConfigNode = "/zookeeper/config"

// Executor runs zkCli commands against one session and keeps the shell's state (history,
// printwatches). Out and Err receive exactly what zkCli writes to stdout and stderr. Methods
// may be called from one goroutine at a time, except PrintEvent, which the watch-event
// goroutine calls concurrently.
type Executor struct {
	Conn Conn // nil: not connected
	Ext  Ext  // nil: the extra opcodes are unavailable
	Out  io.Writer
	Err  io.Writer
	// Loc is the zone ctime/mtime are printed in (Java prints the JVM's default zone).
	Loc *time.Location
	// Reconnect implements `connect [host:port]` ("" = the current server). It replaces Conn
	// and Ext. nil means connect is unavailable.
	Reconnect func(server string) error

	// Quit is set by `quit`; the shell stops reading.
	Quit bool

	mu           sync.Mutex // serialises output and watch bookkeeping
	noWatchPrint bool
	history      map[int]string
	count        int
	watches      map[string]map[protocol.WatcherType]bool
}

// Count is the number of the next command, shown in the prompt.
func (x *Executor) Count() int { return x.count }

// ExecLine runs one line as zkCli's executeLine does: blank lines are ignored, others are
// recorded in history and run. It returns the command's error (already printed to Err).
func (x *Executor) ExecLine(line string) error {
	tokens := Tokenize(line)
	if len(tokens) == 0 {
		return nil
	}
	if x.history == nil {
		x.history = map[int]string{}
	}
	x.history[x.count] = line
	err := x.ExecTokens(tokens)
	x.count++
	return err
}

// ExecTokens parses and runs one command, printing its output and any error like zkCli.
func (x *Executor) ExecTokens(tokens []string) error {
	c, err := Parse(tokens)
	if err == nil {
		err = x.Exec(c)
	}
	if err != nil {
		if errors.Is(err, ErrCommandNotFound) {
			x.printf(x.Err, "%s", Usage())
		}
		w := x.Err
		var ce *cliError
		if errors.As(err, &ce) && ce.onStdout {
			w = x.Out
		}
		x.printf(w, "%s\n", err.Error())
	}
	return err
}

// Usage is zkCli's usage text (printed for unknown commands and help).
func Usage() string {
	names := make([]string, 0, len(usageLines)+len(unsupportedUsage))
	for k := range usageLines {
		names = append(names, usageLines[k])
	}
	for _, u := range unsupportedUsage {
		names = append(names, u)
	}
	sort.Strings(names)
	s := "ZooKeeper -server host:port -client-configuration properties-file cmd args\n"
	for _, n := range names {
		s += "\t" + n + "\n"
	}
	return s
}

func (x *Executor) printf(w io.Writer, format string, a ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fmt.Fprintf(w, format, a...)
}

func (x *Executor) loc() *time.Location {
	if x.Loc == nil {
		return time.Local
	}
	return x.Loc
}

func (x *Executor) stat(s *zk.Stat) { x.printf(x.Out, "%s", FormatStat(s, x.loc())) }

// Exec runs a parsed command.
func (x *Executor) Exec(c Command) error {
	if c.Warning != "" {
		x.printf(x.Err, "%s\n", c.Warning)
	}
	switch c.Kind {
	case KindQuit:
		if x.Conn != nil {
			x.Conn.Close()
			x.Conn = nil
		}
		x.Quit = true
		return nil
	case KindHistory:
		for i := x.count - 10; i <= x.count; i++ {
			if i >= 0 {
				x.printf(x.Out, "%d - %s\n", i, x.history[i])
			}
		}
		return nil
	case KindRedo:
		return x.redo(c)
	case KindPrintWatches:
		x.mu.Lock()
		switch c.PrintWatches {
		case "":
			state := "on"
			if x.noWatchPrint {
				state = "off"
			}
			fmt.Fprintf(x.Out, "printwatches is %s\n", state)
		default:
			x.noWatchPrint = c.PrintWatches != "on"
		}
		x.mu.Unlock()
		return nil
	case KindVersion:
		x.printf(x.Out, "ZooKeeper CLI version: %s\n", version.String())
		return nil
	case KindConnect:
		if x.Reconnect == nil {
			return &cliError{kind: ErrNotSupported, msg: "connect is not available"}
		}
		if err := x.Reconnect(c.Server); err != nil {
			return &cliError{kind: ErrNotConnected, msg: err.Error()}
		}
		return nil
	}
	if x.Conn == nil {
		return &cliError{kind: ErrNotConnected, msg: "Not connected", onStdout: true}
	}
	switch c.Kind {
	case KindClose:
		x.Conn.Close()
		x.Conn, x.Ext = nil, nil
		x.PrintState(protocol.StateClosed)
		return nil
	case KindLs:
		return x.ls(c)
	case KindCreate:
		return x.create(c)
	case KindGet:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		data, st, err := x.get(c.Path, c.Watch)
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "%s", FormatData(data))
		if c.WithStat {
			x.stat(st)
		}
		return nil
	case KindSet:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		st, err := x.Conn.Set(c.Path, c.Data, c.Version)
		if err != nil {
			return serverErr(err, c.Path)
		}
		if c.WithStat {
			x.stat(st)
		}
		return nil
	case KindStat:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		var ok bool
		var st *zk.Stat
		var err error
		if c.Watch {
			ok, st, _, err = x.Conn.ExistsW(c.Path)
			x.noteWatch(c.Path, protocol.WatcherData, err == nil)
		} else {
			ok, st, err = x.Conn.Exists(c.Path)
		}
		if err == nil && !ok {
			err = zk.ErrNoNode
		}
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.stat(st)
		return nil
	case KindDelete:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		return serverErr(x.Conn.Delete(c.Path, c.Version), c.Path)
	case KindDeleteAll:
		return x.deleteAll(c)
	case KindGetACL:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		acl, st, err := x.Conn.GetACL(c.Path)
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "%s", FormatACL(acl))
		if c.WithStat {
			x.stat(st)
		}
		return nil
	case KindSetACL:
		return x.setACL(c)
	case KindAddAuth:
		auth := c.Auth
		if !c.HasAuth {
			auth = nil
		}
		return serverErr(x.Conn.AddAuth(c.Scheme, auth), "")
	case KindSync:
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
		if _, err := x.Conn.Sync(c.Path); err != nil {
			// SyncCommand reports a failed sync on stdout with the result code, not as an error.
			if code, ok := ErrCodeOf(err); ok {
				x.printf(x.Out, "Sync has failed. rc=%d\n", int32(code))
				return nil
			}
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "Sync is OK\n")
		return nil
	case KindConfig:
		data, st, err := x.get(ConfigNode, c.Watch)
		if err != nil {
			return serverErr(err, ConfigNode)
		}
		if data == nil {
			data = []byte("null")
		}
		if c.ClientConfigOnly {
			x.printf(x.Out, "%s\n", ClientConfigString(string(data)))
		} else {
			x.printf(x.Out, "%s\n", data)
		}
		if c.WithStat {
			x.stat(st)
		}
		return nil
	case KindAddWatch, KindRemoveWatches, KindGetEphemerals, KindGetAllChildrenNumber, KindWhoAmI:
		return x.ext(c)
	}
	return usageErr("%s", usageLines[c.Kind])
}

func (x *Executor) get(path string, watch bool) ([]byte, *zk.Stat, error) {
	if watch {
		data, st, _, err := x.Conn.GetW(path)
		x.noteWatch(path, protocol.WatcherData, err == nil)
		return data, st, err
	}
	return x.Conn.Get(path)
}

func (x *Executor) children(path string, watch bool) ([]string, *zk.Stat, error) {
	if watch {
		ch, st, _, err := x.Conn.ChildrenW(path)
		x.noteWatch(path, protocol.WatcherChildren, err == nil)
		return ch, st, err
	}
	return x.Conn.Children(path)
}

func (x *Executor) ls(c Command) error {
	if err := pathErr(c.Path, false); err != nil {
		return err
	}
	if !c.Recursive {
		ch, st, err := x.children(c.Path, c.Watch)
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "%s", FormatChildren(ch))
		if c.WithStat {
			x.stat(st)
		}
		return nil
	}
	// ZKUtil.visitSubTreeDFS: read the root (so a missing root is an error), print it, then for
	// each node print all its children before descending; nodes deleted meanwhile are skipped.
	if _, _, err := x.get(c.Path, c.Watch); err != nil {
		return serverErr(err, c.Path)
	}
	x.printf(x.Out, "%s\n", c.Path)
	return x.walk(c.Path, c.Watch, func(p string) { x.printf(x.Out, "%s\n", p) })
}

// walk visits the subtree below path in visitSubTreeDFS order, calling visit for each node.
func (x *Executor) walk(path string, watch bool, visit func(string)) error {
	const maxNodes = 10_000_000 // a bound on the walk, far above any real tree
	budget := maxNodes
	var rec func(string) error
	rec = func(p string) error {
		ch, _, err := x.children(p, watch)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return serverErr(err, p)
		}
		sort.Strings(ch)
		for _, name := range ch {
			visit(childPath(p, name))
		}
		for _, name := range ch {
			if budget--; budget <= 0 {
				return nil
			}
			if err := rec(childPath(p, name)); err != nil {
				return err
			}
		}
		return nil
	}
	return rec(path)
}

func childPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func (x *Executor) create(c Command) error {
	mode := c.CreateMode()
	if err := pathErr(c.Path, mode.IsSequential()); err != nil {
		return err
	}
	acl := zk.WorldACL(zk.PermAll)
	if c.HasACL {
		var warnings []string
		acl, warnings = ParseACL(c.ACLText)
		for _, w := range warnings {
			x.printf(x.Err, "%s\n", w)
		}
		if len(acl) == 0 {
			// The Java client rejects an empty ACL itself (ZooKeeper.validateACL), without a path.
			x.printf(x.Err, "KeeperErrorCode = InvalidACL\n")
			return &cliError{kind: ErrServer, code: protocol.ErrInvalidACL, msg: ServerErrorMessage(protocol.ErrInvalidACL, "")}
		}
	}
	var newPath string
	var err error
	switch {
	case mode.IsContainer():
		newPath, err = x.Conn.CreateContainer(c.Path, c.Data, int32(mode), acl)
	case mode.IsTTL():
		newPath, err = x.Conn.CreateTTL(c.Path, c.Data, int32(mode), acl, time.Duration(c.TTLMillis)*time.Millisecond)
	default:
		newPath, err = x.Conn.Create(c.Path, c.Data, int32(mode), acl)
	}
	if err != nil {
		if code, ok := ErrCodeOf(err); ok && code == protocol.ErrInvalidACL {
			x.printf(x.Err, "KeeperErrorCode = InvalidACL for %s\n", c.Path)
		}
		if code, ok := ErrCodeOf(err); ok && code == protocol.ErrEphemeralOnLocalSession {
			x.printf(x.Err, "Unable to create ephemeral node on a local session\n")
		}
		return serverErr(err, c.Path)
	}
	// CreateCommand prints this on stderr.
	x.printf(x.Err, "Created %s\n", newPath)
	return nil
}

// deleteAll is ZKUtil.deleteRecursive: list the subtree breadth first, then delete it leaves
// first in multi batches of BatchSize (one delete at a time when BatchSize <= 0).
func (x *Executor) deleteAll(c Command) error {
	if err := pathErr(c.Path, false); err != nil {
		return err
	}
	const maxNodes = 10_000_000
	tree := []string{c.Path}
	for i := 0; i < len(tree) && len(tree) < maxNodes; i++ {
		ch, _, err := x.Conn.Children(tree[i])
		if err != nil {
			return serverErr(err, tree[i])
		}
		for _, name := range ch {
			tree = append(tree, childPath(tree[i], name))
		}
	}
	if c.BatchSize <= 0 {
		for i := len(tree) - 1; i >= 0; i-- {
			if err := x.Conn.Delete(tree[i], -1); err != nil {
				return serverErr(err, tree[i])
			}
		}
		return nil
	}
	ok := true
	var ops []any
	for i := len(tree) - 1; i >= 0; i-- {
		ops = append(ops, &zk.DeleteRequest{Path: tree[i], Version: -1})
		if len(ops) == c.BatchSize || i == 0 {
			if _, err := x.Conn.Multi(ops...); err != nil {
				ok = false
				break
			}
			ops = nil
		}
	}
	if !ok {
		x.printf(x.Err, "Failed to delete some node(s) in the subtree!\n")
	}
	return nil
}

func (x *Executor) setACL(c Command) error {
	if err := pathErr(c.Path, false); err != nil {
		return err
	}
	acl, warnings := ParseACL(c.ACLText)
	for _, w := range warnings {
		x.printf(x.Err, "%s\n", w)
	}
	if len(acl) == 0 {
		return &cliError{kind: ErrServer, code: protocol.ErrInvalidACL, msg: ServerErrorMessage(protocol.ErrInvalidACL, "")}
	}
	if !c.Recursive {
		st, err := x.Conn.SetACL(c.Path, acl, c.Version)
		if err != nil {
			return serverErr(err, c.Path)
		}
		if c.WithStat {
			x.stat(st)
		}
		return nil
	}
	if _, _, err := x.Conn.Get(c.Path); err != nil {
		return serverErr(err, c.Path)
	}
	// SetAclCommand -R prints each failure's message without a newline and carries on.
	set := func(p string) {
		if _, err := x.Conn.SetACL(p, acl, c.Version); err != nil {
			if code, ok := ErrCodeOf(err); ok {
				x.printf(x.Out, "KeeperErrorCode = %s for %s", codeMessage(code), p)
			} else {
				x.printf(x.Out, "%s", err.Error())
			}
		}
	}
	set(c.Path)
	return x.walk(c.Path, false, set)
}

func (x *Executor) ext(c Command) error {
	if x.Ext == nil {
		return &cliError{kind: ErrNotSupported, msg: c.Args[0] + " is not supported by this client yet"}
	}
	if c.Kind != KindWhoAmI {
		if err := pathErr(c.Path, false); err != nil {
			return err
		}
	}
	switch c.Kind {
	case KindAddWatch:
		err := x.Ext.AddWatch(c.Path, c.WatchMode)
		wt := protocol.WatcherPersistent
		if c.WatchMode == protocol.AddWatchPersistentRecursive {
			wt = protocol.WatcherPersistentRecursive
		}
		x.noteWatch(c.Path, wt, err == nil)
		return serverErr(err, c.Path)
	case KindRemoveWatches:
		if err := x.Ext.RemoveWatches(c.Path, c.WatcherType); err != nil {
			return serverErr(err, c.Path)
		}
		x.watchesRemoved(c.Path, c.WatcherType)
		return nil
	case KindGetEphemerals:
		list, err := x.Ext.GetEphemerals(c.Path)
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "%s", FormatList(list))
		return nil
	case KindGetAllChildrenNumber:
		n, err := x.Ext.GetAllChildrenNumber(c.Path)
		if err != nil {
			return serverErr(err, c.Path)
		}
		x.printf(x.Out, "%d\n", n)
		return nil
	case KindWhoAmI:
		infos, err := x.Ext.WhoAmI()
		if err != nil {
			return serverErr(err, "")
		}
		x.printf(x.Out, "Auth scheme: User\n")
		for _, ci := range infos {
			x.printf(x.Out, "%s: %s\n", ci.AuthScheme, ci.User)
		}
		return nil
	}
	return nil
}

func (x *Executor) redo(c Command) error {
	if c.RedoIndex < 0 || c.RedoIndex >= x.count {
		return usageErr("Command index out of range")
	}
	line := x.history[c.RedoIndex]
	tokens := Tokenize(line)
	if len(tokens) > 0 && tokens[0] == "redo" {
		return usageErr("No redoing redos")
	}
	x.history[x.count] = line
	// The caller (ExecTokens) prints the error of the redone command.
	c2, err := Parse(tokens)
	if err != nil {
		return err
	}
	return x.Exec(c2)
}

// noteWatch records a watch the server now holds for this session, so removewatches can report
// which ones it removed (the Java client reports them from its local watch tables).
func (x *Executor) noteWatch(path string, t protocol.WatcherType, set bool) {
	if !set {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.watches == nil {
		x.watches = map[string]map[protocol.WatcherType]bool{}
	}
	if x.watches[path] == nil {
		x.watches[path] = map[protocol.WatcherType]bool{}
	}
	x.watches[path][t] = true
}

// watchesRemoved prints the events the Java client raises locally after a successful
// removeWatches, one per kind of watch it held on path, and forgets those watches.
func (x *Executor) watchesRemoved(path string, t protocol.WatcherType) {
	x.mu.Lock()
	held := x.watches[path]
	var events []protocol.EventType
	if (t == protocol.WatcherChildren || t == protocol.WatcherAny) && held[protocol.WatcherChildren] {
		events = append(events, protocol.EventChildWatchRemoved)
		delete(held, protocol.WatcherChildren)
	}
	if (t == protocol.WatcherData || t == protocol.WatcherAny) && held[protocol.WatcherData] {
		events = append(events, protocol.EventDataWatchRemoved)
		delete(held, protocol.WatcherData)
	}
	if t == protocol.WatcherAny && (held[protocol.WatcherPersistent] || held[protocol.WatcherPersistentRecursive]) {
		events = append(events, protocol.EventPersistentWatchRemoved)
		delete(held, protocol.WatcherPersistent)
		delete(held, protocol.WatcherPersistentRecursive)
	}
	x.mu.Unlock()
	for _, e := range events {
		x.printEvent(protocol.StateSyncConnected, e, path)
	}
}

// PrintEvent prints a watch notification (unless printwatches is off) and updates the record of
// held one-shot watches: data watches fire on created/deleted/changed, child watches on
// children-changed/deleted (WatchManager's trigger rules).
func (x *Executor) PrintEvent(state protocol.KeeperState, typ protocol.EventType, path string) {
	x.mu.Lock()
	if held := x.watches[path]; held != nil {
		switch typ {
		case protocol.EventNodeCreated, protocol.EventNodeDataChanged:
			delete(held, protocol.WatcherData)
		case protocol.EventNodeDeleted:
			delete(held, protocol.WatcherData)
			delete(held, protocol.WatcherChildren)
		case protocol.EventNodeChildrenChanged:
			delete(held, protocol.WatcherChildren)
		}
	}
	x.mu.Unlock()
	x.printEvent(state, typ, path)
}

// PrintState prints a connection-state event (type None, no path).
func (x *Executor) PrintState(state protocol.KeeperState) {
	x.printEvent(state, protocol.EventNone, "")
}

func (x *Executor) printEvent(state protocol.KeeperState, typ protocol.EventType, path string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.noWatchPrint {
		fmt.Fprint(x.Out, FormatEvent(state, typ, path))
	}
}

// ResetWatches forgets recorded watches (a new session holds none).
func (x *Executor) ResetWatches() {
	x.mu.Lock()
	x.watches = nil
	x.mu.Unlock()
}
