package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Config is what `zkensemble cli` was asked to do.
type Config struct {
	// Server is the connect string, "host:port[,host:port...]"; zkCli's default is localhost:2181.
	Server string
	// SessionTimeout is the session timeout asked of the server (zkCli's -timeout, default 30 s).
	SessionTimeout time.Duration
	// ConnectWait bounds how long to wait for a session before running commands (default 10 s).
	ConnectWait time.Duration
	// Command, when not empty, is run once and Run returns (one-shot mode); otherwise lines are
	// read from In.
	Command []string
	In      io.Reader
	Out     io.Writer
	Err     io.Writer
	// Prompt prints "[zk: host:port(CONNECTED) N] " before each line (set it for terminals;
	// zkCli without a terminal prints none).
	Prompt bool
	// Loc is the zone for times in stat output; nil means the local zone.
	Loc *time.Location
}

// Run connects and runs the one-shot command or the interactive loop, and returns the exit
// code: 0, or 1 when the (last) command failed, as zkCli does.
func Run(cfg Config) int {
	if cfg.Server == "" {
		cfg.Server = "localhost:2181"
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 30 * time.Second
	}
	if cfg.ConnectWait == 0 {
		cfg.ConnectWait = 10 * time.Second
	}
	if cfg.In == nil {
		cfg.In = strings.NewReader("")
	}
	sh := &shell{cfg: cfg, host: cfg.Server}
	sh.x = &Executor{Out: cfg.Out, Err: cfg.Err, Loc: cfg.Loc, Reconnect: sh.connect}
	fmt.Fprintf(cfg.Out, "Connecting to %s\n", cfg.Server)
	connErr := sh.connect(cfg.Server)
	defer sh.closeAll()

	if len(cfg.Command) > 0 {
		if connErr != nil {
			fmt.Fprintln(cfg.Err, connErr)
			return 1
		}
		if err := sh.x.ExecTokens(cfg.Command); err != nil {
			return 1
		}
		return 0
	}
	if connErr != nil {
		fmt.Fprintln(cfg.Err, connErr)
	}
	fmt.Fprintln(cfg.Out, "Welcome to ZooKeeper!")
	exit := 0
	sc := bufio.NewScanner(cfg.In)
	sc.Buffer(make([]byte, 64*1024), protocol.DefaultMaxBufferBytes*2)
	for {
		if cfg.Prompt {
			sh.x.printf(cfg.Out, "%s", sh.prompt())
		}
		if !sc.Scan() {
			break
		}
		line := sc.Text()
		if len(Tokenize(line)) == 0 {
			continue
		}
		err := sh.x.ExecLine(line)
		if sh.x.Quit {
			break
		}
		exit = 0
		if err != nil {
			exit = 1
		}
	}
	return exit
}

// shell owns the current go-zookeeper connection and the goroutine printing its events.
type shell struct {
	cfg  Config
	x    *Executor
	host string

	mu      sync.Mutex
	conn    *quietConn
	pumpers sync.WaitGroup
}

// quietConn is a *zk.Conn whose Close silences its event printer first, so the library's
// "disconnected" event after a deliberate close is not printed (zkCli prints Closed instead).
type quietConn struct {
	*zk.Conn
	quiet atomic.Bool
	once  sync.Once
}

// Close may be called more than once (close, then quit); zk.Conn.Close may not.
func (q *quietConn) Close() {
	q.quiet.Store(true)
	q.once.Do(q.Conn.Close)
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// ErrConnect reports that no session could be established in time.
var ErrConnect = errors.New("cli: could not establish a session")

// connect replaces the current connection with one to server ("" = the current one) and waits
// up to ConnectWait for the session.
func (sh *shell) connect(server string) error {
	if server == "" {
		server = sh.host
	}
	sh.mu.Lock()
	old := sh.conn
	sh.mu.Unlock()
	if old != nil {
		old.Close()
	}
	sh.host = server
	side := NewSideChannel()
	c, events, err := zk.Connect(strings.Split(server, ","), sh.cfg.SessionTimeout,
		zk.WithDialer(side.Dial), zk.WithLogger(discardLogger{}), zk.WithLogInfo(false))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConnect, err)
	}
	qc := &quietConn{Conn: c}
	sh.mu.Lock()
	sh.conn = qc
	sh.mu.Unlock()
	sh.x.Conn, sh.x.Ext = qc, side
	sh.x.ResetWatches()

	ready := make(chan struct{})
	var once sync.Once
	sh.pumpers.Add(1)
	go func() {
		defer sh.pumpers.Done()
		for ev := range events {
			if qc.quiet.Load() {
				continue
			}
			if ev.Type == zk.EventSession {
				if st, ok := sessionState(ev.State); ok {
					sh.x.PrintState(st)
				}
				if ev.State == zk.StateHasSession {
					once.Do(func() { close(ready) })
				}
				continue
			}
			sh.x.PrintEvent(protocol.KeeperState(ev.State), protocol.EventType(ev.Type), ev.Path)
		}
	}()
	timer := time.NewTimer(sh.cfg.ConnectWait)
	defer timer.Stop()
	select {
	case <-ready:
		return nil
	case <-timer.C:
		return fmt.Errorf("%w with %s within %v", ErrConnect, server, sh.cfg.ConnectWait)
	}
}

// sessionState maps go-zookeeper's connection states to the KeeperState zkCli's watcher sees;
// the library's intermediate states (connecting, TCP connected) have no Java counterpart.
func sessionState(s zk.State) (protocol.KeeperState, bool) {
	switch s {
	case zk.StateHasSession:
		return protocol.StateSyncConnected, true
	case zk.StateDisconnected:
		return protocol.StateDisconnected, true
	case zk.StateExpired:
		return protocol.StateExpired, true
	case zk.StateAuthFailed:
		return protocol.StateAuthFailed, true
	}
	return 0, false
}

// prompt is ZooKeeperMain.getPrompt with the Java client's state names.
func (sh *shell) prompt() string {
	state := "CLOSED"
	if sh.x.Conn != nil {
		switch sh.x.Conn.State() {
		case zk.StateHasSession:
			state = "CONNECTED"
		case zk.StateAuthFailed:
			state = "AUTH_FAILED"
		case zk.StateExpired:
			state = "CLOSED"
		default:
			state = "CONNECTING"
		}
	}
	return fmt.Sprintf("[zk: %s(%s) %d] ", sh.host, state, sh.x.Count())
}

func (sh *shell) closeAll() {
	sh.mu.Lock()
	c := sh.conn
	sh.mu.Unlock()
	if c != nil {
		c.Close()
	}
	done := make(chan struct{})
	go func() { sh.pumpers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
