package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// The steps below run in order on the cluster TestMakeRunLoop brought up (one cluster for the
// whole package's `make run` story: issue #6, "What must be shown").

const (
	// kazooPython is Debian's python3, the one python3-kazoo is installed for.
	kazooPython = "/usr/bin/python3"
	// nodeAgentSlices is the endpointslice.kubernetes.io/managed-by value of the node agent.
	nodeAgentSlices = "nodeagent.zkensemble.io"
)

type sliceList struct {
	Items []struct {
		AddressType string `json:"addressType"`
		Metadata    struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Endpoints []struct {
			Addresses  []string `json:"addresses"`
			Conditions struct {
				Ready *bool `json:"ready"`
			} `json:"conditions"`
		} `json:"endpoints"`
		Ports []struct {
			Name string `json:"name"`
			Port int32  `json:"port"`
		} `json:"ports"`
	} `json:"items"`
}

// serviceEndpoints returns host:port of every ready endpoint of the Service's port portName,
// read only from its EndpointSlices (what a client library or kube-proxy would use), sorted.
func (e *env) serviceEndpoints(t *testing.T, service, portName string) []string {
	t.Helper()
	var l sliceList
	out := e.kubectl(t, "get", "endpointslices", "-l", "kubernetes.io/service-name="+service, "-o", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, s := range l.Items {
		var port int32
		for _, p := range s.Ports {
			if p.Name == portName {
				port = p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				addrs = append(addrs, net.JoinHostPort(a, strconv.Itoa(int(port))))
			}
		}
	}
	sort.Strings(addrs)
	return addrs
}

// stepClientServiceEndpoints: the client Service's EndpointSlices (published by the node agent,
// since the apiserver refuses loopback IPs in the controller's) list the three members, and
// zkCli.sh and kazoo connect with a connect string built from them alone.
func (e *env) stepClientServiceEndpoints(t *testing.T) {
	svc := ensembleName + "-client"
	var addrs []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		addrs = e.serviceEndpoints(t, svc, "client")
		if len(addrs) == members {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("EndpointSlices of %s list %v after 30s, want %d ready members:\n%s", svc, addrs, members,
				e.kubectl(t, "get", "endpointslices", "-o", "wide"))
		}
		time.Sleep(time.Second)
	}
	pods := e.pods(t)
	for _, a := range addrs {
		host, port, _ := net.SplitHostPort(a)
		found := false
		for _, p := range pods {
			found = found || p.ip == host
		}
		if !found || port != clientPort {
			t.Errorf("endpoint %s is not a member pod's client port (pods %v)", a, pods)
		}
	}
	connStr := strings.Join(addrs, ",")
	t.Logf("connect string from the %s EndpointSlices: %s", svc, connStr)

	if _, err := os.Stat(zkCli); err == nil {
		out, err := e.run(60*time.Second, nil, zkCli, "-server", connStr, "create", "/e2e-svc-zkcli", "through-the-service")
		if err != nil || !strings.Contains(out, "Created /e2e-svc-zkcli") {
			t.Errorf("zkCli.sh create through %s: %v\n%s", connStr, err, out)
		}
		out, err = e.run(60*time.Second, nil, zkCli, "-server", connStr, "get", "/e2e-svc-zkcli")
		if err != nil || !strings.Contains(out, "through-the-service") {
			t.Errorf("zkCli.sh get through %s: %v\n%s", connStr, err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Errorf("zkCli.sh missing under CI: %v", err)
	}

	if _, err := os.Stat(kazooPython); err != nil {
		if os.Getenv("CI") == "true" {
			t.Errorf("%s missing under CI: %v", kazooPython, err)
		}
		return
	}
	// kazoo: create, get, a data watch set by one client and fired by a write of another.
	script := `
import json, sys, threading
from kazoo.client import KazooClient
hosts = sys.argv[1]
a = KazooClient(hosts=hosts, timeout=10); a.start(timeout=20)
b = KazooClient(hosts=hosts, timeout=10); b.start(timeout=20)
a.create("/e2e-svc-kazoo", b"v1")
b.sync("/e2e-svc-kazoo")  # b may be on another member: reads are sequentially consistent, not linearizable
data, _ = b.get("/e2e-svc-kazoo")
fired = threading.Event(); seen = []
def watch(ev):
    seen.append([ev.type, ev.path]); fired.set()
b.get("/e2e-svc-kazoo", watch=watch)
a.set("/e2e-svc-kazoo", b"v2")
ok = fired.wait(20)
b.sync("/e2e-svc-kazoo")
after, _ = b.get("/e2e-svc-kazoo")
print(json.dumps({"get": data.decode(), "watch": seen, "fired": ok, "after": after.decode(),
                  "a": a._connection._socket.getpeername()[0] if a._connection._socket else "",
                  "b": b._connection._socket.getpeername()[0] if b._connection._socket else ""}))
a.stop(); b.stop()
`
	out, err := e.run(90*time.Second, nil, kazooPython, "-c", script, connStr)
	if err != nil {
		t.Fatalf("kazoo through %s: %v\n%s", connStr, err, out)
	}
	var res struct {
		Get, After, A, B string
		Watch            [][]string
		Fired            bool
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("kazoo output: %v\n%s", err, out)
	}
	if res.Get != "v1" || res.After != "v2" || !res.Fired || len(res.Watch) != 1 || res.Watch[0][0] != "CHANGED" || res.Watch[0][1] != "/e2e-svc-kazoo" {
		t.Errorf("kazoo through the client Service: %+v", res)
	}
	t.Logf("kazoo: sessions on %s and %s, watch %v", res.A, res.B, res.Watch)
}

// stepLeaderFailover: a writer keeps creating znodes (each acknowledged one recorded) through
// the client Service's endpoints while the leader pod is deleted; a new leader is elected, the
// pod comes back and rejoins, and every acknowledged write is then read through each member
// after a sync.
func (e *env) stepLeaderFailover(t *testing.T) {
	st := e.ensemble(t)
	oldLeader := st.Status.Leader
	pods := e.pods(t)
	if oldLeader == "" || len(pods) != members {
		t.Fatalf("no leader (%q) or %d pods before the failover", oldLeader, len(pods))
	}
	oldUID := pods[oldLeader].uid
	addrs := e.serviceEndpoints(t, ensembleName+"-client", "client")
	c, _, err := zk.Connect(addrs, 10*time.Second, zk.WithLogger(zkQuiet{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const dir = "/e2e-failover"
	if _, err := c.Create(dir, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		t.Fatalf("create %s: %v", dir, err)
	}

	var mu sync.Mutex
	var acked []string
	failed := 0
	errs := map[string]int{}
	var pendingSince time.Time // when the Create in flight was sent (zero: none)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Paced (≤ ~1000 creates/s) and bounded: the step stops it long before the bound.
		for i := 0; i < 200000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := fmt.Sprintf("%s/w-%06d", dir, i)
			mu.Lock()
			pendingSince = time.Now()
			mu.Unlock()
			_, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll))
			mu.Lock()
			pendingSince = time.Time{}
			mu.Unlock()
			if err == nil {
				mu.Lock()
				acked = append(acked, p)
				mu.Unlock()
				time.Sleep(time.Millisecond)
			} else {
				mu.Lock()
				failed++
				errs[err.Error()]++
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	stopWriter := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-done
	}
	defer stopWriter()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !ok() {
			if time.Now().After(deadline) {
				mu.Lock()
				pending := "none"
				if !pendingSince.IsZero() {
					pending = "for " + time.Since(pendingSince).Round(time.Millisecond).String()
				}
				diag := fmt.Sprintf("%d acked, %d failed %v; a create in flight: %s; client on %s, state %v",
					len(acked), failed, errs, pending, c.Server(), c.State())
				mu.Unlock()
				t.Fatalf("%s: not within %s (%s):\n%s", what, d, diag, e.kubectl(t, "get", "zke,pods", "-o", "wide"))
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	waitFor("writes before the failover", 20*time.Second, func() bool { return count() >= 50 })
	_, epochBefore, err := srvrModeEpoch(pods[oldLeader].ip)
	if err != nil {
		t.Fatalf("srvr of the leader %s: %v", oldLeader, err)
	}
	before := count()
	start := time.Now()
	e.kubectl(t, "delete", "pod", oldLeader, "--wait=false")

	// A leader of a new term (a higher epoch), in the members' own srvr answers, then in
	// status. It is usually a survivor, but the deleted pod comes back within a second or
	// two and, with the highest id and the same history, may win the election itself, as it
	// would with ZooKeeper.
	newLeader := ""
	waitFor("a leader of a new epoch elected", 60*time.Second, func() bool {
		for name, p := range e.pods(t) {
			if p.ip == "" {
				continue
			}
			if mode, epoch, err := srvrModeEpoch(p.ip); err == nil && mode == "leader" && epoch > epochBefore {
				newLeader = name
				return true
			}
		}
		return false
	})
	elected := time.Since(start)
	// The deleted pod is back (new UID, same PVC), Ready and a follower; status shows 3 ready
	// members and the new leader.
	waitFor(oldLeader+" back and serving", 90*time.Second, func() bool {
		p, ok := e.pods(t)[oldLeader]
		if !ok || p.uid == oldUID || !p.ready {
			return false
		}
		mode, err := srvrMode(p.ip)
		return err == nil && (mode == "follower" || (mode == "leader" && oldLeader == newLeader))
	})
	waitFor("status with 3 ready members and one leader", 60*time.Second, func() bool {
		s := e.ensemble(t)
		leaders := 0
		for _, m := range s.Status.Members {
			if m.Role == "leader" {
				leaders++
			}
		}
		return s.Status.ReadyReplicas == members && s.Status.Leader == newLeader && leaders == 1
	})
	rejoined := time.Since(start)
	afterRejoin := count()
	waitFor("writes after the rejoin", 30*time.Second, func() bool { return count() >= afterRejoin+20 })
	stopWriter()
	mu.Lock()
	want := append([]string(nil), acked...)
	nFailed := failed
	errs = maps.Clone(errs)
	mu.Unlock()
	t.Logf("leader %s deleted: %s elected in %s (epoch above %d), %s back and serving, all Ready in %s; %d writes acknowledged (%d before the delete), %d failed (not acknowledged: %v)",
		oldLeader, newLeader, elected.Round(100*time.Millisecond), epochBefore, oldLeader, rejoined.Round(100*time.Millisecond), len(want), before, nFailed, errs)

	e.expectAllOnEveryMember(t, dir, want)
}

// ownedKinds are the objects the operator creates for an ensemble, found by its instance label.
const ownedKinds = "statefulsets,services,configmaps,poddisruptionbudgets,pods,serviceaccounts"

// names lists kinds matching selector (in the default namespace unless extra says otherwise).
func (e *env) names(t *testing.T, kinds, selector string, extra ...string) []string {
	t.Helper()
	out := e.kubectl(t, append([]string{"get", kinds, "-l", selector, "-o", "name"}, extra...)...)
	return strings.Fields(out)
}

// applyEnsemble applies a small ZKEnsemble and waits until it is Ready with one leader.
func (e *env) applyEnsemble(t *testing.T, name string, replicas int, whenDeleted string, d time.Duration) {
	t.Helper()
	manifest := fmt.Sprintf(`apiVersion: zkensemble.io/v1alpha1
kind: ZKEnsemble
metadata:
  name: %s
spec:
  replicas: %d
  storage:
    size: 1Gi
    whenDeleted: %s
`, name, replicas, whenDeleted)
	f := filepath.Join(e.stateDir, name+".yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	e.kubectl(t, "apply", "-f", f)
	e.waitEnsembleReady(t, name, replicas, d)
}

func (e *env) waitEnsembleReady(t *testing.T, name string, replicas int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var s ensembleStatus
		out, err := e.run(30*time.Second, nil, filepath.Join(e.tools, "kubectl"), "get", "zke", name, "-o", "json")
		if err == nil && json.Unmarshal([]byte(out), &s) == nil {
			ready, leaders := false, 0
			for _, c := range s.Status.Conditions {
				ready = ready || (c.Type == "Ready" && c.Status == "True")
			}
			for _, m := range s.Status.Members {
				if m.Role == "leader" || (replicas == 1 && m.Role == "standalone") {
					leaders++
				}
			}
			if ready && int(s.Status.ReadyReplicas) == replicas && s.Status.Leader != "" && leaders == 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ZKEnsemble %s not Ready with %d members and one leader within %s:\n%s\n%s", name, replicas, d, out,
				e.kubectl(t, "get", "zke,sts,pods", "-o", "wide"))
		}
		time.Sleep(time.Second)
	}
}

func (e *env) waitGone(t *testing.T, what, kinds, selector string, d time.Duration, extra ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := e.names(t, kinds, selector, extra...)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still there after %s: %v", what, d, left)
		}
		time.Sleep(time.Second)
	}
}

// stepDeleteEnsembles: deleting a ZKEnsemble garbage-collects everything it owns (the garbage
// collector of kube-controller-manager follows the owner references) and its PVCs follow
// spec.storage.whenDeleted: Retain (the sample) keeps them, Delete (a second, 1-member
// ensemble) removes them and their PVs.
func (e *env) stepDeleteEnsembles(t *testing.T) {
	const del = "zkdel"
	e.applyEnsemble(t, del, 1, "Delete", 120*time.Second)
	sel := func(n string) string { return "app.kubernetes.io/instance=" + n }
	retainedPVCs := e.names(t, "pvc", sel(ensembleName))
	delPVCs := e.names(t, "pvc", sel(del))
	if len(retainedPVCs) != members || len(delPVCs) != 1 {
		t.Fatalf("PVCs before deletion: %v and %v; want %d and 1", retainedPVCs, delPVCs, members)
	}
	for _, n := range []string{ensembleName, del} {
		if owned := e.names(t, ownedKinds, sel(n)); len(owned) < 5 {
			t.Fatalf("%s owns only %v before deletion", n, owned)
		}
	}
	e.kubectl(t, "delete", "zke", ensembleName, del, "--wait=false")
	for _, n := range []string{ensembleName, del} {
		e.waitGone(t, "objects owned by ZKEnsemble "+n, ownedKinds+",endpointslices", sel(n), 90*time.Second)
	}
	// Our EndpointSlices are owned by the Services, so they go with them.
	if left := strings.Fields(e.kubectl(t, "get", "endpointslices", "-l", "endpointslice.kubernetes.io/managed-by="+nodeAgentSlices,
		"-o", "name")); len(left) > 0 {
		for _, s := range left {
			if strings.Contains(s, ensembleName+"-") {
				t.Errorf("node agent EndpointSlice %s left after its Service was deleted", s)
			}
		}
	}
	e.waitGone(t, "PVCs of the whenDeleted: Delete ensemble", "pvc", sel(del), 60*time.Second)
	// Retain: the claims stay, bound, with the members' data for a re-created ensemble.
	time.Sleep(3 * time.Second) // give the garbage collector the chance to do wrong
	if got := e.names(t, "pvc", sel(ensembleName)); strings.Join(got, " ") != strings.Join(retainedPVCs, " ") {
		t.Errorf("whenDeleted Retain: PVCs %v after deletion, want %v", got, retainedPVCs)
	}
}

// stepHelmOperator: the operator installed by its Helm chart, running as a pod on the node agent
// (the chart's image runs the agent's binary, in-cluster config from the service-account token
// and KUBERNETES_SERVICE_HOST), manages a new ZKEnsemble to Ready with one leader; `helm
// uninstall` removes what the chart installed.
func (e *env) stepHelmOperator(t *testing.T) {
	// Only one operator may reconcile: stop the one run-local.sh started on the host.
	pidFile := filepath.Join(e.stateDir, "run", "operator.pid")
	if data, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Signal(os.Interrupt)
				for i := 0; i < 100 && p.Signal(syscall.Signal(0)) == nil; i++ {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
		// Stopped: the teardown must not signal whatever process reuses the pid.
		_ = os.Remove(pidFile)
	}
	helm := filepath.Join(e.tools, "helm")
	const ns, release = "zkensemble-system", "zkop"
	// Ports of their own: pods share the host's network, so the chart's 8080/8081 could be taken.
	out, err := e.run(3*time.Minute, nil, helm, "install", release, filepath.Join(e.root, "charts", "zkensemble-operator"),
		"-n", ns, "--create-namespace", "--wait", "--timeout", "150s",
		"--set", "metrics.enabled=false",
		"--set", fmt.Sprintf("healthProbePort=%d", 20000+os.Getpid()%20000))
	if err != nil {
		t.Fatalf("helm install: %v\n%s\n%s", err, out, e.kubectl(t, "get", "all", "-n", ns, "-o", "wide"))
	}
	if op := e.names(t, "pods", "app.kubernetes.io/instance="+release, "-n", ns); len(op) != 1 {
		t.Fatalf("operator pods after helm install: %v", op)
	}
	e.applyEnsemble(t, "zkhelm", members, "Delete", 150*time.Second)

	out, err = e.run(2*time.Minute, nil, helm, "uninstall", release, "-n", ns, "--wait", "--timeout", "90s")
	if err != nil {
		t.Fatalf("helm uninstall: %v\n%s", err, out)
	}
	e.waitGone(t, "what the chart installed", "deployments,replicasets,pods,serviceaccounts,services", "app.kubernetes.io/instance="+release,
		60*time.Second, "-n", ns)
	if out, _ := e.run(30*time.Second, nil, filepath.Join(e.tools, "kubectl"), "get", "clusterroles,clusterrolebindings", "-o", "name"); strings.Contains(out, release) {
		t.Errorf("cluster RBAC of the release left after uninstall:\n%s", out)
	}
}

// expectAllOnEveryMember reads dir's children through each member pod after a sync and fails
// for every acknowledged create (want, full paths) a member lacks.
func (e *env) expectAllOnEveryMember(t *testing.T, dir string, want []string) {
	t.Helper()
	for name, p := range e.pods(t) {
		rc := connect(t, p.ip)
		if _, err := rc.Sync(dir); err != nil {
			rc.Close()
			t.Fatalf("sync through %s: %v", name, err)
		}
		children, _, err := rc.Children(dir)
		rc.Close()
		if err != nil {
			t.Fatalf("children of %s through %s: %v", dir, name, err)
		}
		have := map[string]bool{}
		for _, ch := range children {
			have[dir+"/"+ch] = true
		}
		var lost []string
		for _, w := range want {
			if !have[w] {
				lost = append(lost, w)
			}
		}
		if len(lost) > 0 {
			t.Errorf("%s lacks %d of %d acknowledged writes, e.g. %v", name, len(lost), len(want), lost[:min(5, len(lost))])
		}
	}
}
