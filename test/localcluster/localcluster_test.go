package localcluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/zkensemble/zkensemble/test/harness"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/zkensemble/zkensemble/pkg/nodeagent"
)

const ns = "lc-test"

// skipOrFail skips with reason, or fails under CI=true where the prerequisites must exist.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// binary returns $ZKE_BINARY or builds the zkensemble binary into a temp dir.
func binary(t *testing.T, root string) string {
	if b := os.Getenv("ZKE_BINARY"); b != "" {
		return b
	}
	out := filepath.Join(t.TempDir(), "zkensemble")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building zkensemble: %v\n%s", err, msg)
	}
	return out
}

// script runs hack/local-cluster.sh with env, bounded by timeout.
func script(t *testing.T, root string, env []string, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "local-cluster.sh"), args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// leftovers lists processes whose command line mentions any of marks.
func leftovers(marks ...string) []string {
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		line := strings.ReplaceAll(string(data), "\x00", " ")
		for _, m := range marks {
			if strings.Contains(line, m) {
				found = append(found, filepath.Base(filepath.Dir(p))+": "+line)
				break
			}
		}
	}
	return found
}

func TestLocalClusterStatefulSet(t *testing.T) {
	harness.LockClientPort2181(t) // pods or the server bind port 2181: see the harness
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		skipOrFail(t, "needs root on Linux (the node agent uses mount namespaces)")
	}
	if testing.Short() {
		t.Skip("starts a whole cluster; skipped with -short")
	}
	root := repoRoot(t)
	if out, err := exec.Command(filepath.Join(root, "hack", "kube-tools.sh"), "path").CombinedOutput(); err != nil {
		skipOrFail(t, "control-plane tools missing (make tools): %s", out)
	}
	bin := binary(t, root)
	stateDir := t.TempDir()
	// A /24 of its own, so a cluster a developer runs (127.1.0.0/16) is never disturbed.
	podNet := fmt.Sprintf("127.%d.%d.", 100+rand.IntN(100), rand.IntN(250))
	env := []string{"LOCAL_CLUSTER_DIR=" + stateDir, "ZKE_BINARY=" + bin, "LOCAL_CLUSTER_POD_CIDR=" + podNet + "0/24",
		"LOCAL_CLUSTER_READY_SECONDS=90"}
	t.Cleanup(func() {
		if out, err := script(t, root, env, 2*time.Minute, "down"); err != nil {
			t.Errorf("down: %v\n%s", err, out)
		}
		if left := leftovers(stateDir, "--client-addr "+podNet); len(left) > 0 {
			t.Errorf("processes left after down:\n%s", strings.Join(left, "\n"))
		}
		if t.Failed() {
			for _, f := range []string{"nodeagent.log", "kube-controller-manager.log"} {
				data, _ := os.ReadFile(filepath.Join(stateDir, "logs", f))
				lines := strings.Split(string(data), "\n")
				t.Logf("---- last lines of %s:\n%s", f, strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
	})
	start := time.Now()
	out, err := script(t, root, env, 4*time.Minute, "up")
	if err != nil {
		t.Fatalf("local-cluster.sh up: %v\n%s", err, out)
	}
	t.Logf("cluster up in %s", time.Since(start).Round(time.Second))
	kubeconfig := filepath.Join(stateDir, "kubeconfig")
	if !strings.Contains(out, "export KUBECONFIG="+kubeconfig) {
		t.Errorf("up did not print the export line:\n%s", out)
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(restCfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	applyFile(ctx, t, client, "testdata/zk-statefulset.yaml")
	pods := waitReady(ctx, t, client, 3, nil)
	ips := map[string]string{}
	for _, p := range pods {
		if !strings.HasPrefix(p.Status.PodIP, podNet) {
			t.Errorf("pod %s IP %s not in %s0/24", p.Name, p.Status.PodIP, podNet)
		}
		ips[p.Status.PodIP] = p.Name
	}
	if len(ips) != 3 {
		t.Fatalf("pod IPs not distinct: %v", ips)
	}
	t.Logf("3 pods ready after %s: %v", time.Since(start).Round(time.Second), ips)

	// Inside zk-0's sandbox: its hostname, and zk-2's DNS name reaching zk-2's server.
	zk0 := pods["zk-0"]
	spec := filepath.Join(stateDir, "node", "pods", string(zk0.UID), "zkensemble.json")
	got := sandboxRun(ctx, t, bin, spec, "sh", "-c", "hostname; cat /etc/hostname")
	if got != "zk-0\nzk-0\n" {
		t.Errorf("hostname inside zk-0 = %q", got)
	}
	sandboxRun(ctx, t, bin, spec, nodeagent.SandboxBinaryPath, "probe", "-addr", "zk-2.zk-hs."+ns+".svc.cluster.local:2181", "ready")
	got = sandboxRun(ctx, t, bin, spec, "getent", "hosts", "zk-2.zk-hs."+ns+".svc.cluster.local")
	if !strings.HasPrefix(got, pods["zk-2"].Status.PodIP+" ") {
		t.Errorf("zk-2's name resolves to %q inside zk-0, want %s", got, pods["zk-2"].Status.PodIP)
	}
	if _, err := os.Stat("/etc/zkensemble"); err == nil {
		t.Errorf("/etc/zkensemble exists on the host: a mount point leaked")
	}

	// Data written through zk-1 survives zk-1's re-creation (same PVC, same directory).
	old := pods["zk-1"]
	writeZnode(t, old.Status.PodIP, "/lc", []byte("before"))
	if err := client.CoreV1().Pods(ns).Delete(ctx, "zk-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	pods = waitReady(ctx, t, client, 3, func(p *corev1.Pod) bool { return p.Name != "zk-1" || p.UID != old.UID })
	fresh := pods["zk-1"]
	if fresh.UID == old.UID {
		t.Fatal("zk-1 was not re-created")
	}
	if data := readZnode(t, fresh.Status.PodIP, "/lc"); string(data) != "before" {
		t.Errorf("after re-creation /lc = %q, want before", data)
	}
	pvc, err := client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-zk-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(stateDir, "node", "volumes", pvc.Spec.VolumeName)); err != nil {
		t.Errorf("PV directory of data-zk-1: %v", err)
	}
	t.Logf("zk-1 re-created and ready with its data after %s", time.Since(start).Round(time.Second))
}

func applyFile(ctx context.Context, t *testing.T, client kubernetes.Interface, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()
	r := utilyaml.NewYAMLReader(bufioReader(data))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decoding %s: %v", path, err)
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			_, err = client.CoreV1().Namespaces().Create(ctx, o, metav1.CreateOptions{})
		case *corev1.Service:
			_, err = client.CoreV1().Services(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		case *corev1.ConfigMap:
			_, err = client.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		case *appsv1.StatefulSet:
			_, err = client.AppsV1().StatefulSets(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		default:
			t.Fatalf("unexpected object %T in %s", obj, path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// waitReady waits until n pods of the namespace are Running and Ready (and accepted by ok, if
// given) and returns them by name.
func waitReady(ctx context.Context, t *testing.T, client kubernetes.Interface, n int, ok func(*corev1.Pod) bool) map[string]*corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(150 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil {
			ready := map[string]*corev1.Pod{}
			var states []string
			for i := range list.Items {
				p := &list.Items[i]
				r := p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && isReady(p) && (ok == nil || ok(p))
				if r {
					ready[p.Name] = p
				}
				states = append(states, fmt.Sprintf("%s:%s/ready=%v", p.Name, p.Status.Phase, r))
			}
			last = strings.Join(states, " ")
			if len(ready) == n {
				return ready
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("pods not ready in time: %s", last)
	return nil
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// sandboxRun runs argv inside a pod container's sandbox (as an exec probe does) and returns
// its output; a non-zero exit fails the test.
func sandboxRun(ctx context.Context, t *testing.T, bin, spec string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := nodeagent.SandboxCommand(bin, spec, argv)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("in sandbox %v: %v\n%s", argv, err, out.String())
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		t.Fatalf("in sandbox %v: timed out", argv)
	}
	return out.String()
}

func connect(t *testing.T, ip string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{ip + ":2181"}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeZnode(t *testing.T, ip, path string, data []byte) {
	c := connect(t, ip)
	defer c.Close()
	if _, err := c.Create(path, data, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s on %s: %v", path, ip, err)
	}
}

func readZnode(t *testing.T, ip, path string) []byte {
	c := connect(t, ip)
	defer c.Close()
	data, _, err := c.Get(path)
	if err != nil {
		t.Fatalf("get %s on %s: %v", path, ip, err)
	}
	return data
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
