package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ApacheEnsemble is a dynamically reconfigurable Apache ZooKeeper 3.8 ensemble on loopback
// (Debian's packages): reconfigEnabled=true, standaloneEnabled=false, the membership in a
// dynamicConfigFile that the servers rewrite themselves after each reconfig, and an optional
// super-user digest. Members are started and stopped one by one, so a test can stand in for
// the pods an operator would create and delete. Server ids are 1..MaxMembers; member i binds
// its own loopback address 127.a.b.i (see freeLoopbackSubnet) with fixed ports.
type ApacheEnsemble struct {
	MaxMembers int
	opts       ApacheEnsembleOptions
	subnet     string
	dir        string
	keep       bool

	mu      sync.Mutex
	members map[int64]*ApacheMember
}

// ApacheEnsembleOptions configure StartApacheEnsemble; zero fields take the defaults.
type ApacheEnsembleOptions struct {
	// TickMillis is tickTime; default 250. initLimit is 20 ticks and syncLimit 10: a JVM on a
	// busy 2-core machine can stall longer than a 200 ms tick's limits allow.
	TickMillis int
	// SuperDigest is DigestAuthenticationProvider.superDigest ("super:<base64 sha1>"); empty
	// leaves the super user off (then no one may reconfig: skipACL is never set here).
	SuperDigest string
	// Extra zoo.cfg lines.
	Extra []string
}

// ApacheMember is one server of an ApacheEnsemble.
type ApacheMember struct {
	ID      int64
	ip      string
	dir     string
	cfgPath string
	outPath string
	logPath string
	proc    process
}

// StartApacheEnsemble starts members 1..initial of an ensemble that may grow to maxMembers and
// waits until they serve with one leader. Everything is stopped and removed when t ends; a
// failed test keeps the directory and logs each member's tail.
func StartApacheEnsemble(t testing.TB, initial, maxMembers int, opts ApacheEnsembleOptions) *ApacheEnsemble {
	t.Helper()
	if opts.TickMillis == 0 {
		opts.TickMillis = 250
	}
	dir, err := os.MkdirTemp("", "zkharness-apache-ensemble-")
	if err != nil {
		t.Fatalf("harness: temp dir: %v", err)
	}
	e := &ApacheEnsemble{MaxMembers: maxMembers, opts: opts, dir: dir, members: map[int64]*ApacheMember{}}
	t.Cleanup(func() {
		if t.Failed() {
			e.keep = true
			for _, m := range e.Members() {
				t.Logf("apache member %d (%s):\n%s", m.ID, m.Addr(), m.LogTail(logTailLines))
			}
			t.Logf("ensemble directory kept: %s", e.dir)
		}
		e.Stop()
	})
	if e.subnet, err = freeLoopbackSubnet(maxMembers); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for id := int64(1); id <= int64(initial); id++ {
		lines = append(lines, e.ServerLine(id))
	}
	for id := int64(1); id <= int64(initial); id++ {
		if _, err := e.Launch(id, lines); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.WaitLeader(readyTimeout); err != nil {
		t.Fatal(err)
	}
	return e
}

// ip is the loopback address of server id.
func (e *ApacheEnsemble) ip(id int64) string { return fmt.Sprintf("%s.%d", e.subnet, id) }

// ServerLine is server id's line as a participant: "server.N=ip:quorum:election:participant;ip:client".
func (e *ApacheEnsemble) ServerLine(id int64) string {
	ip := e.ip(id)
	return fmt.Sprintf("server.%d=%s:%d:%d:participant;%s:%d", id, ip, memberQuorumPort, memberElectionPort, ip, memberClientPort)
}

// Addr is server id's client address (whether or not it runs).
func (e *ApacheEnsemble) Addr(id int64) string {
	return fmt.Sprintf("%s:%d", e.ip(id), memberClientPort)
}

// Addrs are the client addresses of every server id the ensemble may have.
func (e *ApacheEnsemble) Addrs() []string {
	var out []string
	for id := int64(1); id <= int64(e.MaxMembers); id++ {
		out = append(out, e.Addr(id))
	}
	return out
}

// Launch writes server id's static zoo.cfg and its initial dynamic config (the given server
// lines, without a version: a joiner takes the leader's committed config on connecting) and
// starts it, not waiting for it to serve. A member launched before is started again with the
// files the server itself rewrote since; dynamic is then ignored.
func (e *ApacheEnsemble) Launch(id int64, dynamic []string) (*ApacheMember, error) {
	if id < 1 || id > int64(e.MaxMembers) {
		return nil, fmt.Errorf("harness: server id %d outside 1..%d", id, e.MaxMembers)
	}
	e.mu.Lock()
	m := e.members[id]
	e.mu.Unlock()
	if m == nil {
		m = &ApacheMember{ID: id, ip: e.ip(id), dir: filepath.Join(e.dir, "m"+strconv.FormatInt(id, 10))}
		m.cfgPath = filepath.Join(m.dir, "zoo.cfg")
		m.outPath = filepath.Join(m.dir, "process.out")
		m.logPath = filepath.Join(m.dir, "zookeeper.log")
		data := filepath.Join(m.dir, "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.FormatInt(id, 10)+"\n"), 0o644); err != nil {
			return nil, err
		}
		dynPath := filepath.Join(m.dir, "zoo.cfg.dynamic")
		if err := os.WriteFile(dynPath, []byte(strings.Join(dynamic, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		cfg := []string{
			"tickTime=" + strconv.Itoa(e.opts.TickMillis),
			"initLimit=20",
			"syncLimit=10",
			"dataDir=" + data,
			"reconfigEnabled=true",
			"standaloneEnabled=false",
			"4lw.commands.whitelist=*",
			"admin.enableServer=false",
			"dynamicConfigFile=" + dynPath,
		}
		if e.opts.SuperDigest != "" {
			cfg = append(cfg, "DigestAuthenticationProvider.superDigest="+e.opts.SuperDigest)
		}
		cfg = append(cfg, e.opts.Extra...)
		if err := os.WriteFile(m.cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		e.mu.Lock()
		e.members[id] = m
		e.mu.Unlock()
	}
	if m.Running() {
		return m, nil
	}
	if err := m.Start(); err != nil {
		return nil, err
	}
	return m, nil
}

// Member is server id, or nil when it was never launched.
func (e *ApacheEnsemble) Member(id int64) *ApacheMember {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.members[id]
}

// Members are the members ever launched, by id.
func (e *ApacheEnsemble) Members() []*ApacheMember {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*ApacheMember, 0, len(e.members))
	for _, m := range e.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// WaitLeader waits until every running member serves and exactly one leads, and returns it.
func (e *ApacheEnsemble) WaitLeader(timeout time.Duration) (*ApacheMember, error) {
	return waitOneLeader(e.Members, func(m *ApacheMember) int64 { return m.ID }, timeout)
}

// Stop ends every member and removes the directory unless kept. Safe to call twice.
func (e *ApacheEnsemble) Stop() {
	var wg sync.WaitGroup
	for _, m := range e.Members() {
		wg.Add(1)
		go func() { defer wg.Done(); m.Terminate() }()
	}
	wg.Wait()
	if !e.keep && e.dir != "" {
		os.RemoveAll(e.dir)
		e.dir = ""
	}
}

// Addr is the member's client address.
func (m *ApacheMember) Addr() string { return fmt.Sprintf("%s:%d", m.ip, memberClientPort) }

// Dir holds the member's zoo.cfg, its dynamic config files, data and logs.
func (m *ApacheMember) Dir() string { return m.dir }

// Mode is srvr's "Mode:" ("leader", "follower", ...), or "" when the member does not serve.
func (m *ApacheMember) Mode() string { return srvrMode(m.Addr()) }

// Start runs the member's JVM (its client port answers once it serves).
func (m *ApacheMember) Start() error {
	cmd, err := apacheMemberCommand(m.dir, m.cfgPath, m.logPath)
	if err != nil {
		return err
	}
	return m.proc.start(cmd, m.outPath, fmt.Sprintf("apache member %d", m.ID))
}

// Running reports whether the process is alive.
func (m *ApacheMember) Running() bool {
	_, alive := m.proc.running()
	return alive
}

// Terminate sends SIGTERM (ZooKeeper's shutdown hook runs), then SIGKILL after stopGrace.
func (m *ApacheMember) Terminate() { m.proc.terminate() }

// Kill sends SIGKILL (a crash) and waits for the process to go.
func (m *ApacheMember) Kill() { _ = m.proc.kill() }

// LogTail returns the last n lines of the process output and of ZooKeeper's log.
func (m *ApacheMember) LogTail(n int) string {
	var b strings.Builder
	for _, p := range []string{m.outPath, m.logPath} {
		if lines, ok := fileTail(p, n); ok {
			fmt.Fprintf(&b, "---- last %d lines of %s\n%s\n", len(lines), p, strings.Join(lines, "\n"))
		}
	}
	return b.String()
}

// apacheMemberCommand is the JVM command line of one ensemble member, set up as
// apacheCommand sets up a standalone server (Debian's classpath, our log4j file in dir).
func apacheMemberCommand(dir, cfgPath, logPath string) (*exec.Cmd, error) {
	confDir := filepath.Join(dir, "conf")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: conf dir: %w", err)
	}
	props := filepath.Join(confDir, "log4j.properties")
	if err := os.WriteFile(props, []byte(log4jProperties(logPath)), 0o644); err != nil {
		return nil, fmt.Errorf("harness: log4j.properties: %w", err)
	}
	java, _ := debianJava()
	args := append([]string{}, JVMFlags...)
	args = append(args,
		"-Dzookeeper.log.dir="+dir,
		"-Dlog4j.configuration=file:"+props,
		"-cp", ApacheClasspath(confDir),
		zkMain, cfgPath)
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	return cmd, nil
}
