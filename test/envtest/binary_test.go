package envtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// freePort is a port on 127.0.0.1 nothing listens on right now.
func freePort() int {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's stderr while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ = Describe("zkensemble operator", func() {
	It("runs the manager: leader election, health and metrics endpoints, JSON logs, reconciling its namespace", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		bin := filepath.Join(GinkgoT().TempDir(), "zkensemble")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		build.Dir = repoRoot
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "go build: %s", out)

		ns := newNamespace(ctx)
		health, metrics := freePort(), freePort()
		var logs syncBuffer
		op := exec.CommandContext(ctx, bin, "operator",
			"--kubeconfig", adminKubeconfig(),
			"--leader-elect", "--leader-election-namespace", ns,
			"--health-probe-bind-address", "127.0.0.1:"+strconv.Itoa(health),
			"--metrics-bind-address", "127.0.0.1:"+strconv.Itoa(metrics),
			// Its own namespace only: the in-process operator of the other specs owns the rest.
			"--watch-namespaces", ns,
			// The in-process operator of the other specs reconciles this namespace too, with
			// static membership: the two must build the same objects or they fight over them.
			"--reconfig=false",
			"--image", operatorImage)
		op.Stderr = &logs
		Expect(op.Start()).To(Succeed())
		DeferCleanup(func() {
			_ = op.Process.Kill()
			_ = op.Wait()
		})

		get := func(port int, path string) (int, error) {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		Eventually(func() (int, error) { return get(health, "/healthz") }).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(http.StatusOK))
		Eventually(func() (int, error) { return get(health, "/readyz") }).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(http.StatusOK))
		Eventually(func() (int, error) { return get(metrics, "/metrics") }).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(http.StatusOK))

		By("holding the Lease")
		Eventually(func(g Gomega) {
			var lease coordinationv1.Lease
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "zkensemble-operator.zkensemble.io"}, &lease)).To(Succeed())
			g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

		By("reconciling an ensemble in the watched namespace")
		zke := minimal(ns, "zk")
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		expectObjects(ctx, client.ObjectKeyFromObject(zke))
		expectCondition(ctx, client.ObjectKeyFromObject(zke), v1alpha1.ConditionQuorumHealthy, "False", v1alpha1.ReasonNoLeader)

		By("logging JSON lines")
		sc := bufio.NewScanner(bytes.NewReader([]byte(logs.String())))
		lines := 0
		for sc.Scan() {
			var entry map[string]any
			Expect(json.Unmarshal(sc.Bytes(), &entry)).To(Succeed(), "log line is not JSON: %s", sc.Text())
			Expect(entry).To(HaveKey("msg"))
			lines++
		}
		Expect(lines).To(BeNumerically(">", 0))
	})
})
