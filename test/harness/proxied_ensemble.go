package harness

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
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
	ID int
	// srv carries the directory layout the harness's command builders expect.
	srv        *Server
	clientPort int

	proc process
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
		e.Members = append(e.Members, &ProxiedMember{ID: i + 1, srv: srv, clientPort: ports[0]})
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
func (m *ProxiedMember) Mode() string { return srvrMode(m.Addr()) }

// Start runs the member's process; it serves once a quorum has formed (see WaitLeader).
func (m *ProxiedMember) Start() error {
	cmd, err := m.srv.command()
	if err != nil {
		return err
	}
	return m.proc.start(cmd, m.srv.outPath, fmt.Sprintf("member %d", m.ID))
}

// Running reports whether the process is alive (a paused process is alive).
func (m *ProxiedMember) Running() bool {
	_, alive := m.proc.running()
	return alive
}

// Paused reports whether the member was stopped with Pause and not resumed.
func (m *ProxiedMember) Paused() bool { return m.proc.isPaused() }

// memberErr names the member in an error of its process.
func (m *ProxiedMember) memberErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("member %d: %w", m.ID, err)
}

// Kill sends SIGKILL (a crash: nothing flushed) and waits for the process to go.
func (m *ProxiedMember) Kill() error { return m.memberErr(m.proc.kill()) }

// Pause sends SIGSTOP: the process keeps its sockets but runs no code.
func (m *ProxiedMember) Pause() error {
	if !m.Running() {
		return m.memberErr(ErrMemberDown)
	}
	_, err := m.proc.signal(syscall.SIGSTOP)
	return m.memberErr(err)
}

// Resume sends SIGCONT.
func (m *ProxiedMember) Resume() error {
	if !m.Running() {
		return m.memberErr(ErrMemberDown)
	}
	_, err := m.proc.signal(syscall.SIGCONT)
	return m.memberErr(err)
}

// Restart stops the process if it runs (SIGTERM, SIGKILL after the grace) and starts it again
// on the same ports, config and dataDir, without waiting for it to serve.
func (m *ProxiedMember) Restart() error {
	m.Terminate()
	return m.Start()
}

// Terminate ends the process: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, then
// SIGKILL after stopGrace.
func (m *ProxiedMember) Terminate() { m.proc.terminate() }

// LogTail returns the last n lines of the member's output and log.
func (m *ProxiedMember) LogTail(n int) string { return m.srv.LogTail(n) }
