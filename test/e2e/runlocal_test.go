package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/test/harness"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	ensembleName = "zk"
	members      = 3
	clientPort   = "2181"
	// zkCli is Debian's Apache ZooKeeper client script; the check is skipped where it is absent.
	zkCli = "/usr/share/zookeeper/bin/zkCli.sh"
)

// skipOrFail skips with reason, or fails under CI=true where the prerequisites must exist.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// env is the environment of every command the test runs: the run's own state dir, binary, pod
// range and kubeconfig, and the tools on PATH.
type env struct {
	root, stateDir, podNet, tools string
	vars                          []string
}

func (e *env) kubeconfig() string { return filepath.Join(e.stateDir, "kubeconfig") }

// run runs name args... bounded by timeout and returns its combined output.
func (e *env) run(timeout time.Duration, extra []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = e.root
	cmd.Env = append(append(os.Environ(), e.vars...), extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

func (e *env) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.run(30*time.Second, nil, filepath.Join(e.tools, "kubectl"), args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// ensembleStatus is the part of the ZKEnsemble the test reads.
type ensembleStatus struct {
	Status struct {
		ReadyReplicas int32  `json:"readyReplicas"`
		Leader        string `json:"leader"`
		Conditions    []struct {
			Type, Status string
		} `json:"conditions"`
		Members []struct {
			Pod  string `json:"pod"`
			Role string `json:"role"`
		} `json:"members"`
	} `json:"status"`
}

type podList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"metadata"`
		Status struct {
			PodIP      string `json:"podIP"`
			Conditions []struct{ Type, Status string }
		} `json:"status"`
	} `json:"items"`
}

func (e *env) ensemble(t *testing.T) ensembleStatus {
	t.Helper()
	var s ensembleStatus
	if err := json.Unmarshal([]byte(e.kubectl(t, "get", "zke", ensembleName, "-o", "json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// pods returns name → (ip, uid, ready) of the member pods.
type podInfo struct {
	ip, uid string
	ready   bool
}

func (e *env) pods(t *testing.T) map[string]podInfo {
	t.Helper()
	var l podList
	out := e.kubectl(t, "get", "pods", "-l", "app.kubernetes.io/instance="+ensembleName, "-o", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	m := map[string]podInfo{}
	for _, p := range l.Items {
		ready := false
		for _, c := range p.Status.Conditions {
			ready = ready || (c.Type == "Ready" && c.Status == "True")
		}
		m[p.Metadata.Name] = podInfo{ip: p.Status.PodIP, uid: p.Metadata.UID, ready: ready}
	}
	return m
}

// srvrMode asks the member at ip for srvr and returns its Mode line's value.
func srvrMode(ip string) (string, error) {
	mode, _, err := srvrModeEpoch(ip)
	return mode, err
}

// srvrModeEpoch is srvrMode plus the epoch of srvr's Zxid line (its high 32 bits): a new
// leader term has a higher epoch, whichever pod leads it.
func srvrModeEpoch(ip string) (mode string, epoch int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	text, err := fourlw.Query(ctx, net.JoinHostPort(ip, clientPort), "srvr")
	if err != nil {
		return "", 0, err
	}
	st, err := fourlw.ParseSrvr(text)
	if err != nil {
		return "", 0, fmt.Errorf("srvr from %s: %w", ip, err)
	}
	mode = st.ModeText
	if mode == "" {
		mode = st.Mode.String()
	}
	return mode, int64(uint64(st.Zxid) >> 32), nil
}

// connect opens a go-zookeeper session through exactly one member and waits for it.
func connect(t *testing.T, ip string) *zk.Conn {
	t.Helper()
	return connectAddr(t, net.JoinHostPort(ip, clientPort), nil)
}

// connectAddr opens a session through addr alone, with dial when it is not nil (a TLS
// dialer), and waits up to 20 s for it.
func connectAddr(t *testing.T, addr string, dial zk.Dialer) *zk.Conn {
	t.Helper()
	var c *zk.Conn
	var events <-chan zk.Event
	var err error
	if dial != nil {
		c, events, err = zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(zkQuiet{}), zk.WithDialer(dial))
	} else {
		c, events, err = zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(zkQuiet{}))
	}
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c
			}
		case <-deadline:
			c.Close()
			t.Fatalf("no session through %s after 20s", addr)
		}
	}
}

type zkQuiet struct{}

func (zkQuiet) Printf(string, ...any) {}

// readThrough reads path through the member at ip after a sync, so it sees every write
// committed before the call (ZooKeeper's sync+read recipe).
func readThrough(t *testing.T, ip, path string) string {
	t.Helper()
	c := connect(t, ip)
	defer c.Close()
	if _, err := c.Sync(path); err != nil {
		t.Fatalf("sync through %s: %v", ip, err)
	}
	data, _, err := c.Get(path)
	if err != nil {
		t.Fatalf("get %s through %s: %v", path, ip, err)
	}
	return string(data)
}

// listeners returns the TCP listeners bound to addresses in podNet (e.g. "127.123.45.").
func listeners(podNet string) []string {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil
	}
	var found []string
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		hostPort := strings.SplitN(f[1], ":", 2)
		b, err := hex.DecodeString(hostPort[0])
		if err != nil || len(b) != 4 {
			continue
		}
		ip := net.IPv4(b[3], b[2], b[1], b[0]).String() // /proc/net/tcp is little-endian
		if strings.HasPrefix(ip, podNet) {
			found = append(found, f[1]+" ("+ip+")")
		}
	}
	return found
}

// leftovers lists processes whose command line mentions mark.
func leftovers(mark string) []string {
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if line := strings.ReplaceAll(string(data), "\x00", " "); strings.Contains(line, mark) {
			found = append(found, filepath.Base(filepath.Dir(p))+": "+line)
		}
	}
	return found
}

var readyIn = regexp.MustCompile(`ready in ([0-9.]+)s`)

func TestMakeRunLoop(t *testing.T) {
	harness.LockClientPort2181(t) // pods or the server bind port 2181: see the harness
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		skipOrFail(t, "needs root on Linux (the node agent uses mount namespaces)")
	}
	if testing.Short() {
		t.Skip("starts a cluster, the operator and an ensemble; skipped with -short")
	}
	root := repoRoot()
	toolsOut, err := exec.Command(filepath.Join(root, "hack", "kube-tools.sh"), "path").CombinedOutput()
	if err != nil {
		skipOrFail(t, "control-plane tools missing (make tools): %s", toolsOut)
	}
	e := &env{root: root, stateDir: t.TempDir(), tools: strings.TrimSpace(string(toolsOut))}
	bin := os.Getenv("ZKE_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "zkensemble")
		if out, err := e.run(5*time.Minute, nil, "go", "build", "-o", bin, "."); err != nil {
			t.Fatalf("building zkensemble: %v\n%s", err, out)
		}
	}
	// A /24 of its own, so a cluster a developer runs (127.1.0.0/16) is never disturbed.
	e.podNet = fmt.Sprintf("127.%d.%d.", 100+rand.IntN(100), rand.IntN(250))
	e.vars = []string{"LOCAL_CLUSTER_DIR=" + e.stateDir, "ZKE_BINARY=" + bin,
		"LOCAL_CLUSTER_POD_CIDR=" + e.podNet + "0/24", "RUN_LOCAL_READY_SECONDS=150",
		"KUBECONFIG=" + e.kubeconfig()}
	script := filepath.Join(root, "hack", "run-local.sh")
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"operator.log", "nodeagent.log"} {
				data, _ := os.ReadFile(filepath.Join(e.stateDir, "logs", f))
				lines := strings.Split(string(data), "\n")
				t.Logf("---- last lines of %s:\n%s", f, strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
		if out, err := e.run(2*time.Minute, []string{"RUN_LOCAL_ONESHOT=down"}, script); err != nil {
			t.Errorf("teardown: %v\n%s", err, out)
		}
		if left := leftovers(e.stateDir); len(left) > 0 {
			t.Errorf("processes left after teardown:\n%s", strings.Join(left, "\n"))
		}
		if l := listeners(e.podNet); len(l) > 0 {
			t.Errorf("listeners left on pod IPs after teardown: %v", l)
		}
	})

	// 1. The loop itself, as `make run` runs it but returning once Ready.
	start := time.Now()
	out, err := e.run(4*time.Minute, []string{"RUN_LOCAL_ONESHOT=1"}, script)
	if err != nil {
		t.Fatalf("run-local.sh: %v\n%s", err, out)
	}
	m := readyIn.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run-local.sh did not print its time to Ready:\n%s", out)
	}
	t.Logf("run-local.sh: Ready in %ss (script), %s (test)", m[1], time.Since(start).Round(100*time.Millisecond))
	for _, want := range []string{"export KUBECONFIG=" + e.kubeconfig(), "connect string (from this host): " + e.podNet} {
		if !strings.Contains(out, want) {
			t.Errorf("run-local.sh output lacks %q:\n%s", want, out)
		}
	}

	// 2. kubectl get zke prints the printer columns with the values a user expects.
	table := e.kubectl(t, "get", "zke", ensembleName)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME REPLICAS READY LEADER AGE" {
		t.Fatalf("kubectl get zke:\n%s", table)
	}
	st := e.ensemble(t)
	row := strings.Fields(lines[1])
	if len(row) < 4 || row[0] != ensembleName || row[1] != "3" || row[2] != "3" || row[3] != st.Status.Leader {
		t.Errorf("kubectl get zke row %q; want %s 3 3 %s", lines[1], ensembleName, st.Status.Leader)
	}

	// 3. Three members, exactly one leader: in status and in the members' own srvr answers.
	pods := e.pods(t)
	if len(pods) != members {
		t.Fatalf("%d member pods, want %d: %v", len(pods), members, pods)
	}
	leaders, followers := 0, []string{}
	for _, mem := range st.Status.Members {
		switch mem.Role {
		case "leader":
			leaders++
			if mem.Pod != st.Status.Leader {
				t.Errorf("status.members says %s leads, status.leader says %s", mem.Pod, st.Status.Leader)
			}
		case "follower":
			followers = append(followers, mem.Pod)
		}
	}
	if leaders != 1 || len(followers) != members-1 {
		t.Fatalf("status.members: %d leaders, followers %v; want 1 and %d", leaders, followers, members-1)
	}
	srvrLeaders := 0
	for name, p := range pods {
		if !strings.HasPrefix(p.ip, e.podNet) {
			t.Errorf("pod %s has IP %q outside the test's pod range %s0/24", name, p.ip, e.podNet)
		}
		mode, err := srvrMode(p.ip)
		if err != nil {
			t.Fatalf("srvr to %s (%s): %v", name, p.ip, err)
		}
		if mode == "leader" {
			srvrLeaders++
			if name != st.Status.Leader {
				t.Errorf("srvr: %s says leader, status.leader is %s", name, st.Status.Leader)
			}
		} else if mode != "follower" {
			t.Errorf("srvr: %s mode %q", name, mode)
		}
	}
	if srvrLeaders != 1 {
		t.Fatalf("srvr: %d members say leader, want 1", srvrLeaders)
	}

	// 4. A client writes through one member and another reads it through a second one.
	follower := followers[0]
	writer := connect(t, pods[st.Status.Leader].ip)
	const path = "/e2e-make-run"
	if _, err := writer.Create(path, []byte("written through the leader"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create through %s: %v", st.Status.Leader, err)
	}
	writer.Close()
	if got := readThrough(t, pods[follower].ip, path); got != "written through the leader" {
		t.Errorf("read through %s: %q", follower, got)
	}

	// 5. Apache ZooKeeper's own CLI connects to a member.
	if _, err := os.Stat(zkCli); err == nil {
		out, err := e.run(60*time.Second, nil, zkCli, "-server", net.JoinHostPort(pods[follower].ip, clientPort), "get", path)
		if err != nil || !strings.Contains(out, "written through the leader") {
			t.Errorf("zkCli.sh get %s through %s: %v\n%s", path, follower, err, out)
		}
	} else {
		t.Logf("zkCli.sh check skipped: %v", err)
	}

	// 6. A deleted follower pod comes back Ready (a new pod, same PVC) with its data.
	oldUID := pods[follower].uid
	e.kubectl(t, "delete", "pod", follower, "--wait=true", "--timeout=25s")
	deadline := time.Now().Add(90 * time.Second)
	for {
		p, ok := e.pods(t)[follower]
		if ok && p.uid != oldUID && p.ready {
			if mode, err := srvrMode(p.ip); err == nil && mode == "follower" {
				if got := readThrough(t, p.ip, path); got != "written through the leader" {
					t.Errorf("after re-creation, read through %s: %q", follower, got)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not back Ready as a follower within 90s:\n%s", follower,
				e.kubectl(t, "get", "zke,pods", "-o", "wide"))
		}
		time.Sleep(time.Second)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		s := e.ensemble(t)
		if s.Status.ReadyReplicas == members && s.Status.Leader != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ZKEnsemble not back to %d ready members within 30s: %+v", members, s.Status)
		}
		time.Sleep(time.Second)
	}

	// 7-12 (steps_test.go, roll_test.go, tls_test.go), on the same cluster, in order: each needs the state the one before
	// leaves, so the first failure stops the rest.
	for _, step := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"client Service endpoints: zkCli.sh and kazoo", e.stepClientServiceEndpoints},
		{"leader pod deleted under writes", e.stepLeaderFailover},
		{"rolling restart on a serverConfig change: followers first, leader last", func(t *testing.T) { rollingRestart(t, e) }},
		{"scaled 3→5→3 by reconfig, one voter at a time", func(t *testing.T) { scaleThreeFiveThree(t, e) }},
		{"TLS clients from a Secret (spec.tls), rotation without a restart", e.stepTLS},
		{"ZKEnsemble deleted: owned objects collected, PVCs per whenDeleted", e.stepDeleteEnsembles},
		{"operator installed by helm", e.stepHelmOperator},
	} {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}
