package harness

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors of ProxiedEnsemble.
var (
	ErrNoSingleLeader = errors.New("harness: ensemble has no single serving leader")
	ErrMemberDown     = errors.New("harness: member process is not running")
)

// ProxiedOptions shape a ProxiedEnsemble; zero fields take the defaults.
type ProxiedOptions struct {
	// TickTimeMS is zoo.cfg tickTime, default 500: failover within seconds without making a
	// loaded 2-core machine look like a failed peer.
	TickTimeMS int
	// InitLimit and SyncLimit are in ticks (defaults 20 and 5).
	InitLimit, SyncLimit int
	// Extra zoo.cfg keys, applied to every member.
	Extra map[string]string
	// Observers: the last Observers members are observers (non-voting learners): their
	// server lines end in ":observer" in every member's zoo.cfg and their own zoo.cfg says
	// peerType=observer, as ZooKeeper's observer guide asks. Default 0: all vote.
	Observers int
}

func (o ProxiedOptions) withDefaults() ProxiedOptions {
	if o.TickTimeMS == 0 {
		o.TickTimeMS = 500
	}
	if o.InitLimit == 0 {
		o.InitLimit = 20
	}
	if o.SyncLimit == 0 {
		o.SyncLimit = 5
	}
	return o
}

// ProxiedEnsemble is n server processes of one Target forming an ensemble on 127.0.0.1 whose
// member-to-member traffic all crosses a PeerNet (see PeerNet for the addressing scheme). Clients
// talk to the members' client ports directly. Apache ZooKeeper and `zkensemble server` get the
// same per-member zoo.cfg and myid, so a suite switches implementation by its Target alone.
type ProxiedEnsemble struct {
	Target  Target
	Opts    ProxiedOptions
	Members []*ProxiedMember // Members[i-1] has myid i
	Net     *PeerNet

	dir  string
	keep bool
}

// ProxiedMember is one process of a ProxiedEnsemble.
type ProxiedMember struct {
	ID     int
	target Target
	// srv carries the directory layout the harness's command builders expect.
	srv        *Server
	clientPort int

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	paused  bool
}

// LaunchProxiedEnsemble writes the configs, starts the proxies and the n processes, and returns
// without waiting for a leader (see WaitLeader). The caller must call Stop.
func LaunchProxiedEnsemble(target Target, n int, opts ProxiedOptions) (*ProxiedEnsemble, error) {
	if target != Apache && target != ZKE {
		return nil, fmt.Errorf("%w: %v", ErrBadTarget, target)
	}
	opts = opts.withDefaults()
	dir, err := os.MkdirTemp("", "zkrobust-"+target.String()+"-")
	if err != nil {
		return nil, fmt.Errorf("harness: temp dir: %w", err)
	}
	e := &ProxiedEnsemble{Target: target, Opts: opts, dir: dir}
	real := make([]MemberPorts, n)
	// Hold every member port's listener until just before the members start, so the kernel
	// cannot hand the same port to one of our proxies (or to another member) in between; a
	// collision made a member exit with "Address already in use" on its election port.
	var reserved []net.Listener
	release := func() {
		for _, l := range reserved {
			l.Close()
		}
		reserved = nil
	}
	defer release()
	for i := range n {
		var ports [3]int
		for j := range ports {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				e.Stop()
				return nil, fmt.Errorf("harness: reserve port: %w", err)
			}
			reserved = append(reserved, l)
			ports[j] = l.Addr().(*net.TCPAddr).Port
		}
		real[i] = MemberPorts{Quorum: ports[1], Election: ports[2]}
		mdir := filepath.Join(dir, "m"+strconv.Itoa(i+1))
		srv := &Server{
			Target:  target,
			dir:     mdir,
			dataDir: filepath.Join(mdir, "data"),
			cfgPath: filepath.Join(mdir, "zoo.cfg"),
			outPath: filepath.Join(mdir, "process.out"),
			port:    ports[0],
		}
		if target == Apache {
			srv.logPath = filepath.Join(mdir, "zookeeper.log")
		}
		e.Members = append(e.Members, &ProxiedMember{ID: i + 1, target: target, srv: srv, clientPort: ports[0]})
	}
	if e.Net, err = NewPeerNet(real); err != nil {
		e.Stop()
		return nil, err
	}
	for _, m := range e.Members {
		if err := os.MkdirAll(m.srv.dataDir, 0o755); err != nil {
			e.Stop()
			return nil, fmt.Errorf("harness: data dir: %w", err)
		}
		if err := os.WriteFile(filepath.Join(m.srv.dataDir, "myid"), []byte(strconv.Itoa(m.ID)+"\n"), 0o644); err != nil {
			e.Stop()
			return nil, fmt.Errorf("harness: myid: %w", err)
		}
		if err := os.WriteFile(m.srv.cfgPath, []byte(e.memberCfg(m.ID, real)), 0o644); err != nil {
			e.Stop()
			return nil, fmt.Errorf("harness: zoo.cfg: %w", err)
		}
	}
	release()
	for _, m := range e.Members {
		if err := m.Start(); err != nil {
			e.keep = true
			e.Stop()
			return nil, fmt.Errorf("%w (dir kept: %s)", err, dir)
		}
	}
	return e, nil
}

// memberCfg renders member id's zoo.cfg: its own line holds its real ports, every peer's line
// the proxies of the path id → peer.
func (e *ProxiedEnsemble) memberCfg(id int, real []MemberPorts) string {
	kv := map[string]string{
		"tickTime":                strconv.Itoa(e.Opts.TickTimeMS),
		"initLimit":               strconv.Itoa(e.Opts.InitLimit),
		"syncLimit":               strconv.Itoa(e.Opts.SyncLimit),
		"dataDir":                 e.Members[id-1].srv.dataDir,
		"4lw.commands.whitelist":  "*",
		"admin.enableServer":      "false",
		"autopurge.purgeInterval": "0",
		// Never adopt the leader's copy of the membership: each member's view differs on purpose.
		"reconfigEnabled": "false",
	}
	if e.IsObserver(id) {
		kv["peerType"] = "observer"
	}
	maps.Copy(kv, e.Opts.Extra)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		fmt.Fprintf(&b, "%s=%s\n", k, kv[k])
	}
	for _, m := range e.Members {
		client := net.JoinHostPort("127.0.0.1", strconv.Itoa(m.clientPort))
		role := ""
		if e.IsObserver(m.ID) {
			role = ":observer"
		}
		if m.ID == id {
			fmt.Fprintf(&b, "server.%d=127.0.0.1:%d:%d%s;%s\n", m.ID, real[m.ID-1].Quorum, real[m.ID-1].Election, role, client)
			continue
		}
		q, el := e.Net.Dial(id, m.ID)
		fmt.Fprintf(&b, "server.%d=%s:%s%s;%s\n", m.ID, q, portOf(el), role, client)
	}
	return b.String()
}

// IsObserver reports whether member id is an observer (ProxiedOptions.Observers).
func (e *ProxiedEnsemble) IsObserver(id int) bool {
	return id > len(e.Members)-e.Opts.Observers
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// Dir is the ensemble's directory (one m<N> subdirectory per member).
func (e *ProxiedEnsemble) Dir() string { return e.dir }

// Keep makes Stop leave the directory in place (for a failed run).
func (e *ProxiedEnsemble) Keep() { e.keep = true }

// Size is the number of members.
func (e *ProxiedEnsemble) Size() int { return len(e.Members) }

// Member returns the member with myid id (1-based).
func (e *ProxiedEnsemble) Member(id int) *ProxiedMember { return e.Members[id-1] }

// ClientAddr is member id's client address.
func (e *ProxiedEnsemble) ClientAddr(id int) string { return e.Member(id).Addr() }

// Modes returns each member's srvr Mode ("" when it does not serve or is down).
func (e *ProxiedEnsemble) Modes() map[int]string {
	out := map[int]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range e.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mode := ""
			if m.Running() && !m.Paused() {
				mode = m.Mode()
			}
			mu.Lock()
			out[m.ID] = mode
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// WaitLeader waits until the members in among (all when empty) serve with exactly one leader
// among them, and returns its id.
func (e *ProxiedEnsemble) WaitLeader(timeout time.Duration, among ...int) (int, error) {
	if len(among) == 0 {
		for _, m := range e.Members {
			among = append(among, m.ID)
		}
	}
	deadline := time.Now().Add(timeout)
	var last map[int]string
	for {
		last = e.Modes()
		leader, leaders, serving := 0, 0, 0
		for _, id := range among {
			switch last[id] {
			case "leader":
				leader = id
				leaders++
				serving++
			case "follower", "observer":
				serving++
			}
		}
		if leaders == 1 && serving == len(among) {
			return leader, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%w after %v among %v (modes %v)", ErrNoSingleLeader, timeout, among, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends every member (SIGCONT first if paused, then SIGTERM and SIGKILL after the grace),
// closes the proxies and removes the directory unless kept. Safe to call twice.
func (e *ProxiedEnsemble) Stop() {
	var wg sync.WaitGroup
	for _, m := range e.Members {
		wg.Add(1)
		go func() { defer wg.Done(); m.Terminate() }()
	}
	wg.Wait()
	if e.Net != nil {
		e.Net.Close()
	}
	if !e.keep && e.dir != "" {
		os.RemoveAll(e.dir)
		e.dir = ""
	}
}

// LogTails returns the last n lines of every member's output and log.
func (e *ProxiedEnsemble) LogTails(n int) string {
	var b strings.Builder
	for _, m := range e.Members {
		fmt.Fprintf(&b, "==== member %d (client %s)\n%s", m.ID, m.Addr(), m.srv.LogTail(n))
	}
	return b.String()
}

// Addr is the member's client address.
func (m *ProxiedMember) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.clientPort))
}

// Dir is the member's directory (zoo.cfg, data, logs).
func (m *ProxiedMember) Dir() string { return m.srv.dir }

// DataDir is the member's dataDir.
func (m *ProxiedMember) DataDir() string { return m.srv.dataDir }

// Mode is srvr's Mode ("leader", "follower", ...) or "" when the member does not serve.
func (m *ProxiedMember) Mode() string {
	out, err := FourLW(m.Addr(), "srvr")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Mode: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Start runs the member's process; it serves once a quorum has formed (see WaitLeader).
func (m *ProxiedMember) Start() error {
	var (
		cmd *exec.Cmd
		err error
	)
	switch m.target {
	case Apache:
		cmd, err = apacheCommand(m.srv)
	case ZKE:
		cmd, err = zkeCommand(m.srv)
	default:
		err = fmt.Errorf("%w: %v", ErrBadTarget, m.target)
	}
	if err != nil {
		return err
	}
	out, err := os.OpenFile(m.srv.outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("harness: open output: %w", err)
	}
	fmt.Fprintf(out, "%smember %d: %s\n", startMarker, m.ID, strings.Join(cmd.Args, " "))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group so signals reach the whole server; Pdeathsig kills it if the test
	// binary dies without running cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("harness: start member %d: %w", m.ID, err)
	}
	done := make(chan struct{})
	m.mu.Lock()
	m.cmd, m.done, m.paused = cmd, done, false
	m.mu.Unlock()
	go func() {
		werr := cmd.Wait()
		out.Close()
		m.mu.Lock()
		m.waitErr = werr
		m.mu.Unlock()
		close(done)
	}()
	return nil
}

// Running reports whether the process is alive (a paused process is alive).
func (m *ProxiedMember) Running() bool {
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Paused reports whether the member was stopped with Pause and not resumed.
func (m *ProxiedMember) Paused() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.paused
}

func (m *ProxiedMember) signal(sig syscall.Signal) (chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil || m.cmd.Process == nil {
		return nil, fmt.Errorf("%w: member %d", ErrMemberDown, m.ID)
	}
	if err := syscall.Kill(-m.cmd.Process.Pid, sig); err != nil {
		return m.done, fmt.Errorf("harness: signal %v to member %d: %w", sig, m.ID, err)
	}
	switch sig {
	case syscall.SIGSTOP:
		m.paused = true
	case syscall.SIGCONT, syscall.SIGKILL:
		m.paused = false
	}
	return m.done, nil
}

// Kill sends SIGKILL (a crash: nothing flushed) and waits for the process to go.
func (m *ProxiedMember) Kill() error {
	if !m.Running() {
		return fmt.Errorf("%w: member %d", ErrMemberDown, m.ID)
	}
	done, err := m.signal(syscall.SIGKILL)
	if err != nil {
		return err
	}
	<-done
	return nil
}

// Pause sends SIGSTOP: the process keeps its sockets but runs no code.
func (m *ProxiedMember) Pause() error {
	if !m.Running() {
		return fmt.Errorf("%w: member %d", ErrMemberDown, m.ID)
	}
	_, err := m.signal(syscall.SIGSTOP)
	return err
}

// Resume sends SIGCONT.
func (m *ProxiedMember) Resume() error {
	if !m.Running() {
		return fmt.Errorf("%w: member %d", ErrMemberDown, m.ID)
	}
	_, err := m.signal(syscall.SIGCONT)
	return err
}

// Restart stops the process if it runs (SIGTERM, SIGKILL after the grace) and starts it again
// on the same ports, config and dataDir, without waiting for it to serve.
func (m *ProxiedMember) Restart() error {
	m.Terminate()
	return m.Start()
}

// Terminate ends the process: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, then
// SIGKILL after stopGrace.
func (m *ProxiedMember) Terminate() {
	if !m.Running() {
		return
	}
	_, _ = m.signal(syscall.SIGCONT)
	done, err := m.signal(syscall.SIGTERM)
	if err != nil {
		return
	}
	select {
	case <-done:
	case <-time.After(stopGrace):
		if d, err := m.signal(syscall.SIGKILL); err == nil {
			<-d
		}
	}
}

// LogTail returns the last n lines of the member's output and log.
func (m *ProxiedMember) LogTail(n int) string { return m.srv.LogTail(n) }
