package harness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

// ErrNoLeader: the ensemble did not settle on exactly one serving leader in time.
var ErrNoLeader = errors.New("harness: no single serving leader")

// EnsembleOptions configure StartEnsemble; zero fields take the defaults below.
type EnsembleOptions struct {
	TickMillis int // default 200: failover within a second or two
	InitLimit  int // ticks, default 10
	SyncLimit  int // ticks, default 5
	// Extra zoo.cfg lines.
	Extra []string
	// Spares are members n+1 … n+Spares, configured but not started: each one's zoo.cfg
	// lists the ensemble plus itself, as one starts a server about to be added by reconfig.
	// Start them with Member.Start; Member.ServerLine is what `reconfig -add` takes.
	Spares int
}

// Ensemble is N `zkensemble server` processes forming one ensemble on loopback, each with
// its own client, quorum and election ports, dataDir and myid file.
type Ensemble struct {
	Members []*Member
	dir     string
	keep    bool
}

// Member is one process of an Ensemble.
type Member struct {
	ID         int64
	dir        string
	cfgPath    string
	outPath    string
	ip         string // the member's own loopback address (127.a.b.id)
	clientPort int

	proc process
}

// StartEnsemble starts n members and waits until they serve with one leader. Everything is
// stopped (SIGTERM, then SIGKILL) and removed when t ends; a failed test keeps the directory
// and logs each member's output tail.
func StartEnsemble(t testing.TB, n int, opts EnsembleOptions) *Ensemble {
	t.Helper()
	e, err := LaunchEnsemble(n, opts)
	if err != nil {
		t.Fatalf("start ensemble of %d: %v", n, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			e.keep = true
			for _, m := range e.Members {
				t.Logf("member %d (client port %d):\n%s", m.ID, m.clientPort, m.LogTail(logTailLines))
			}
			t.Logf("ensemble directory kept: %s", e.dir)
		}
		e.Stop()
	})
	if _, err := e.WaitLeader(readyTimeout); err != nil {
		t.Fatal(err)
	}
	return e
}

// LaunchEnsemble writes the configs and starts the processes (not waiting for a leader).
func LaunchEnsemble(n int, opts EnsembleOptions) (*Ensemble, error) {
	if opts.TickMillis == 0 {
		opts.TickMillis = 200
	}
	if opts.InitLimit == 0 {
		opts.InitLimit = 10
	}
	if opts.SyncLimit == 0 {
		opts.SyncLimit = 5
	}
	dir, err := os.MkdirTemp("", "zkharness-ensemble-")
	if err != nil {
		return nil, fmt.Errorf("harness: temp dir: %w", err)
	}
	e := &Ensemble{dir: dir}
	subnet, err := freeLoopbackSubnet(n + opts.Spares)
	if err != nil {
		e.Stop()
		return nil, err
	}
	var lines []string
	for i := 1; i <= n+opts.Spares; i++ {
		// Every member has its own loopback address in a subnet no other test uses, with fixed
		// ports below the kernel's ephemeral range: no race with ports handed out elsewhere.
		// (Not ZooKeeper's 2181: the quick-start test binds 0.0.0.0:2181.)
		ip := fmt.Sprintf("%s.%d", subnet, i)
		m := &Member{ID: int64(i), dir: filepath.Join(dir, "m"+strconv.Itoa(i)), ip: ip, clientPort: memberClientPort}
		m.cfgPath = filepath.Join(m.dir, "zoo.cfg")
		m.outPath = filepath.Join(m.dir, "process.out")
		e.Members = append(e.Members, m)
		lines = append(lines, fmt.Sprintf("server.%d=%s:%d:%d;%s:%d", i, ip, memberQuorumPort, memberElectionPort, ip, memberClientPort))
	}
	for _, m := range e.Members {
		data := filepath.Join(m.dir, "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			e.Stop()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.FormatInt(m.ID, 10)+"\n"), 0o644); err != nil {
			e.Stop()
			return nil, err
		}
		cfg := []string{
			"tickTime=" + strconv.Itoa(opts.TickMillis),
			"initLimit=" + strconv.Itoa(opts.InitLimit),
			"syncLimit=" + strconv.Itoa(opts.SyncLimit),
			"dataDir=" + data,
			"4lw.commands.whitelist=*",
		}
		cfg = append(cfg, opts.Extra...)
		cfg = append(cfg, lines[:n]...)
		if m.ID > int64(n) {
			cfg = append(cfg, lines[m.ID-1])
		}
		if err := os.WriteFile(m.cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
			e.Stop()
			return nil, err
		}
	}
	for _, m := range e.Members[:n] {
		if err := m.Start(); err != nil {
			e.keep = true
			e.Stop()
			return nil, fmt.Errorf("%w (dir kept: %s)", err, dir)
		}
	}
	return e, nil
}

// ConnectString lists every member's client address.
func (e *Ensemble) ConnectString() string {
	addrs := make([]string, len(e.Members))
	for i, m := range e.Members {
		addrs[i] = m.Addr()
	}
	return strings.Join(addrs, ",")
}

// Member returns the member with id.
func (e *Ensemble) Member(id int64) *Member { return e.Members[id-1] }

// WaitLeader waits until every running member serves (srvr answers with a Mode) and exactly
// one of them is the leader, and returns it.
func (e *Ensemble) WaitLeader(timeout time.Duration) (*Member, error) {
	return waitOneLeader(func() []*Member { return e.Members }, func(m *Member) int64 { return m.ID }, timeout)
}

// modeReporter is a member process of either launcher.
type modeReporter interface {
	Running() bool
	Mode() string
}

// waitOneLeader waits until every running member of members() serves and exactly one leads.
func waitOneLeader[M modeReporter](members func() []M, id func(M) int64, timeout time.Duration) (M, error) {
	deadline := time.Now().Add(timeout)
	var last string
	var none M
	for time.Now().Before(deadline) {
		var leader M
		leaders, serving, running := 0, 0, 0
		var modes []string
		for _, m := range members() {
			if !m.Running() {
				continue
			}
			running++
			mode := m.Mode()
			modes = append(modes, fmt.Sprintf("%d:%s", id(m), mode))
			switch mode {
			case fourlw.ModeLeader.String():
				leaders++
				leader = m
				serving++
			case fourlw.ModeFollower.String(), fourlw.ModeObserver.String():
				serving++
			}
		}
		last = strings.Join(modes, " ")
		if leaders == 1 && serving == running {
			return leader, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return none, fmt.Errorf("%w after %v (modes: %s)", ErrNoLeader, timeout, last)
}

// Stop ends every member and removes the directory unless kept. Safe to call twice.
func (e *Ensemble) Stop() {
	var wg sync.WaitGroup
	for _, m := range e.Members {
		wg.Add(1)
		go func() { defer wg.Done(); m.Terminate() }()
	}
	wg.Wait()
	if !e.keep && e.dir != "" {
		os.RemoveAll(e.dir)
		e.dir = ""
	}
}

// ServerLine is the member's zoo.cfg server line, "server.N=ip:quorumPort:electionPort:participant;ip:clientPort".
func (m *Member) ServerLine() string {
	return fmt.Sprintf("server.%d=%s:%d:%d:participant;%s:%d", m.ID, m.ip, memberQuorumPort, memberElectionPort, m.ip, m.clientPort)
}

// ConfigPath is the member's zoo.cfg (a reconfig rewrites it).
func (m *Member) ConfigPath() string { return m.cfgPath }

// Addr is the member's client address.
func (m *Member) Addr() string { return net.JoinHostPort(m.ip, strconv.Itoa(m.clientPort)) }

// Ports of every ensemble member, each on its own loopback address.
const (
	memberClientPort   = 12181
	memberQuorumPort   = 12888
	memberElectionPort = 13888
)

// freeLoopbackSubnet picks "127.a.b" at random such that the member ports are free on
// 127.a.b.1 … 127.a.b.n (Linux routes all of 127.0.0.0/8 to loopback).
func freeLoopbackSubnet(n int) (string, error) {
	for attempt := 0; attempt < 20; attempt++ {
		subnet := fmt.Sprintf("127.%d.%d", 100+rand.IntN(100), 1+rand.IntN(250))
		if loopbackFree(subnet, n) {
			return subnet, nil
		}
	}
	return "", fmt.Errorf("harness: no free loopback subnet for %d members after 20 tries", n)
}

func loopbackFree(subnet string, n int) bool {
	for i := 1; i <= n; i++ {
		for _, port := range []int{memberClientPort, memberQuorumPort, memberElectionPort} {
			l, err := net.Listen("tcp", fmt.Sprintf("%s.%d:%d", subnet, i, port))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

// DataDir is the member's dataDir.
func (m *Member) DataDir() string { return filepath.Join(m.dir, "data") }

// Mode is the "Mode:" of srvr ("leader", "follower", ...), or "" when the member does not
// serve (or does not answer).
func (m *Member) Mode() string { return srvrMode(m.Addr()) }

// Start runs the member's process (its client port answers once it serves).
func (m *Member) Start() error {
	cmd, err := zkeServerCommand(m.cfgPath, m.dir)
	if err != nil {
		return err
	}
	return m.proc.start(cmd, m.outPath, fmt.Sprintf("member %d", m.ID))
}

// Running reports whether the process is alive.
func (m *Member) Running() bool {
	_, alive := m.proc.running()
	return alive
}

// Kill sends SIGKILL (a crash) and waits for the process to go.
func (m *Member) Kill() { _ = m.proc.kill() }

// Terminate sends SIGTERM, then SIGKILL after stopGrace.
func (m *Member) Terminate() { m.proc.terminate() }

// LogTail returns the last n lines of the member's output.
func (m *Member) LogTail(n int) string {
	lines, _ := fileTail(m.outPath, n)
	return strings.Join(lines, "\n")
}
