package envtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

const repoRoot = "../.."

// k8sClient talks to the apiserver TestMain started; nil when the tools are missing.
var (
	k8sClient client.Client
	skipWhy   string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin, err := toolsDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "envtest: CI is set and the control-plane tools are missing: %v\n", err)
			return 1
		}
		skipWhy = fmt.Sprintf("control-plane tools not built (run hack/kube-tools.sh install): %v", err)
		return m.Run()
	}
	env := &crenvtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join(repoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    bin,
		ControlPlaneStartTimeout: 3 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := env.Start()
	testEnv, restConfig = env, cfg
	if err != nil {
		// Start can fail after etcd and kube-apiserver are up (a CRD the apiserver refuses):
		// stop them, or they outlive the test.
		if stopErr := env.Stop(); stopErr != nil {
			fmt.Fprintf(os.Stderr, "envtest: stopping the control plane: %v\n", stopErr)
		}
		fmt.Fprintf(os.Stderr, "envtest: starting kube-apiserver and etcd from %s: %v\n", bin, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "envtest: stopping the control plane: %v\n", err)
		}
	}()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// toolsDir is the bin directory of hack/kube-tools.sh, which holds etcd and kube-apiserver.
func toolsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot, "hack", "kube-tools.sh"), "path").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func needCluster(t *testing.T) context.Context {
	t.Helper()
	if k8sClient == nil {
		t.Skip(skipWhy)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// namespace creates a fresh namespace so tests do not see each other's objects.
func namespace(ctx context.Context, t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "zke-"}}
	if err := k8sClient.Create(ctx, ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	return ns.Name
}

func sample(t *testing.T, ns string) *v1alpha1.ZKEnsemble {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "zkensemble_v1alpha1_zkensemble.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var zke v1alpha1.ZKEnsemble
	if err := yaml.UnmarshalStrict(data, &zke); err != nil {
		t.Fatalf("sample does not decode into ZKEnsemble: %v", err)
	}
	zke.Namespace = ns
	return &zke
}

// minimal is the smallest valid ZKEnsemble: everything else comes from the CRD's defaults.
func minimal(ns, name string) *v1alpha1.ZKEnsemble {
	return &v1alpha1.ZKEnsemble{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestSampleAccepted(t *testing.T) {
	ctx := needCluster(t)
	zke := sample(t, namespace(ctx, t))
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatalf("the sample was refused: %v", err)
	}
	if zke.Spec.Replicas != 3 || len(zke.Spec.ServerConfig) == 0 || !zke.Spec.Metrics.Enabled {
		t.Errorf("sample round trip lost fields: %+v", zke.Spec)
	}
}

func TestDefaults(t *testing.T) {
	ctx := needCluster(t)
	zke := minimal(namespace(ctx, t), "zk")
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatal(err)
	}
	s := zke.Spec
	// The CRD's +kubebuilder:default markers must agree with the constants pkg/specs falls back on.
	checks := []struct {
		name      string
		got, want any
	}{
		{"replicas", s.Replicas, v1alpha1.DefaultReplicas},
		{"storage.size", s.Storage.Size, v1alpha1.DefaultStorageSize},
		{"storage.whenScaled", s.Storage.WhenScaled, v1alpha1.DefaultRetentionRule},
		{"storage.whenDeleted", s.Storage.WhenDeleted, v1alpha1.DefaultRetentionRule},
		{"ports.client", s.Ports.Client, v1alpha1.DefaultClientPort},
		{"ports.quorum", s.Ports.Quorum, v1alpha1.DefaultQuorumPort},
		{"ports.election", s.Ports.Election, v1alpha1.DefaultElectionPort},
		{"ports.metrics", s.Ports.Metrics, v1alpha1.DefaultMetricsPort},
		{"clientService.type", s.ClientService.Type, v1alpha1.DefaultServiceType},
		{"metrics.enabled", s.Metrics.Enabled, false},
		{"pod.antiAffinity", s.Pod.AntiAffinity, v1alpha1.DefaultAntiAffinity},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("default %s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCreateRefused(t *testing.T) {
	ctx := needCluster(t)
	ns := namespace(ctx, t)
	cfg := func(k string) func(*v1alpha1.ZKEnsemble) {
		return func(z *v1alpha1.ZKEnsemble) {
			z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"tickTime": "2000", k: "x"}
		}
	}
	tests := []struct {
		name string
		edit func(*v1alpha1.ZKEnsemble)
		want string // a substring of the apiserver's message
	}{
		{"too many replicas", func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 9 }, "should be less than or equal to 7"},
		{"negative replicas", func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = -1 }, "should be greater than or equal to 1"},
		{"even replicas", func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 4 }, "replicas must be odd (1, 3, 5 or 7)"},
		{"owned key dataDir", cfg("dataDir"), "serverConfig: zoo.cfg key dataDir is set by the operator"},
		{"owned key clientPort", cfg("clientPort"), "zoo.cfg key clientPort is set by the operator"},
		{"owned prefix server.", cfg("server.1"), "zoo.cfg key server.1 is set by the operator"},
		{"owned prefix metricsProvider.", cfg("metricsProvider.httpPort"), "zoo.cfg key metricsProvider.httpPort is set by the operator"},
		{"line break in a value", func(z *v1alpha1.ZKEnsemble) {
			z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"tickTime": "1\nserver.9=a:1:2"}
		}, "should match"},
		{"same port twice", func(z *v1alpha1.ZKEnsemble) { z.Spec.Ports.Quorum = 2181 }, "ports.client, ports.quorum and ports.election must all differ"},
		{"metrics port clash", func(z *v1alpha1.ZKEnsemble) {
			z.Spec.Metrics.Enabled = true
			z.Spec.Ports.Metrics = 3888
		}, "ports.metrics must differ from ports.client"},
		{"name too long", func(z *v1alpha1.ZKEnsemble) { z.Name = strings.Repeat("z", 53) }, "metadata.name must be at most 52 characters"},
		{"zero size", func(z *v1alpha1.ZKEnsemble) {
			zero := resource.MustParse("0")
			z.Spec.Storage.Size = &zero
		}, "storage.size must be positive"},
		{"bad retention", func(z *v1alpha1.ZKEnsemble) { z.Spec.Storage.WhenDeleted = "Keep" }, "Unsupported value"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := minimal(ns, fmt.Sprintf("bad-%d", i))
			tt.edit(zke)
			err := k8sClient.Create(ctx, zke)
			if err == nil {
				t.Fatalf("accepted: %+v", zke.Spec)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("refused with %q; want a message containing %q", err, tt.want)
			}
		})
	}
	// Odd sizes within range and a clean serverConfig pass the same rules.
	for _, n := range []int32{1, 5, 7} {
		zke := minimal(ns, fmt.Sprintf("ok-%d", n))
		zke.Spec.Replicas = n
		zke.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"4lw.commands.whitelist": "*", "serverCnxnFactory": "x", "syncLimit": "5"}
		if err := k8sClient.Create(ctx, zke); err != nil {
			t.Errorf("replicas %d refused: %v", n, err)
		}
	}
}

func TestStorageClassImmutable(t *testing.T) {
	ctx := needCluster(t)
	ns := namespace(ctx, t)
	class := func(s string) *string { return &s }
	tests := []struct {
		name     string
		from, to *string
		wantErr  bool
	}{
		{"changed", class("fast"), class("slow"), true},
		{"cleared", class("fast"), nil, true},
		{"set later", nil, class("fast"), true},
		{"unchanged", class("fast"), class("fast"), false},
		{"never set", nil, nil, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := minimal(ns, fmt.Sprintf("sc-%d", i))
			zke.Spec.Storage.StorageClassName = tt.from
			if err := k8sClient.Create(ctx, zke); err != nil {
				t.Fatal(err)
			}
			zke.Spec.Storage.StorageClassName = tt.to
			zke.Spec.Replicas = 5 // an allowed change rides along and must not be the reason
			err := k8sClient.Update(ctx, zke)
			switch {
			case tt.wantErr && err == nil:
				t.Fatal("storageClassName change accepted")
			case tt.wantErr && !strings.Contains(err.Error(), "storage.storageClassName is immutable"):
				t.Errorf("refused with %q; want the immutability message", err)
			case !tt.wantErr && err != nil:
				t.Errorf("update refused: %v", err)
			}
		})
	}
}

// TestScaleSubresource: kubectl scale and autoscalers go through /scale, and the replicas rules
// hold there too.
func TestScaleSubresource(t *testing.T) {
	ctx := needCluster(t)
	zke := minimal(namespace(ctx, t), "zk")
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatal(err)
	}
	scale := &autoscalingv1.Scale{}
	if err := k8sClient.SubResource("scale").Get(ctx, zke, scale); err != nil {
		t.Fatalf("get scale: %v", err)
	}
	if scale.Spec.Replicas != 3 {
		t.Errorf("scale.spec.replicas = %d, want 3", scale.Spec.Replicas)
	}
	patch := func(n int32) error {
		return k8sClient.SubResource("scale").Patch(ctx, zke.DeepCopy(),
			client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))))
	}
	if err := patch(4); err == nil || !strings.Contains(err.Error(), "replicas must be odd") {
		t.Errorf("scale to 4: err = %v, want the odd-replicas message", err)
	}
	if err := patch(5); err != nil {
		t.Errorf("scale to 5: %v", err)
	}
	var got v1alpha1.ZKEnsemble
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(zke), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Replicas != 5 {
		t.Errorf("replicas after scale = %d, want 5", got.Spec.Replicas)
	}
}

// TestStatusSubresource: status is written through /status and carries the typed conditions.
func TestStatusSubresource(t *testing.T) {
	ctx := needCluster(t)
	zke := minimal(namespace(ctx, t), "zk")
	size := resource.MustParse("1Gi")
	zke.Spec.Storage.Size = &size
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(time.Unix(1_700_000_000, 0))
	zke.Status = v1alpha1.ZKEnsembleStatus{
		ObservedGeneration: zke.Generation,
		Replicas:           3,
		ReadyReplicas:      3,
		Selector:           "app.kubernetes.io/instance=zk,app.kubernetes.io/name=zkensemble",
		Leader:             "zk-2",
		Members: []v1alpha1.MemberStatus{
			{ID: 1, Pod: "zk-0", Role: v1alpha1.RoleFollower, Zxid: "0x100000003", LastSeen: &now},
			{ID: 3, Pod: "zk-2", Role: v1alpha1.RoleLeader, Zxid: "0x100000003", LastSeen: &now},
		},
		Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionQuorumHealthy.String(), Status: metav1.ConditionTrue,
			Reason: v1alpha1.ReasonQuorumHealthy.String(), Message: "3 of 3 voters follow zk-2",
			LastTransitionTime: now, ObservedGeneration: zke.Generation,
		}},
	}
	if err := k8sClient.Status().Update(ctx, zke); err != nil {
		t.Fatalf("status update refused: %v", err)
	}
	var got v1alpha1.ZKEnsemble
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(zke), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Leader != "zk-2" || len(got.Status.Members) != 2 || len(got.Status.Conditions) != 1 {
		t.Errorf("status round trip = %+v", got.Status)
	}
	bad := got.DeepCopy()
	bad.Status.Members[0].Role = "boss"
	if err := k8sClient.Status().Update(ctx, bad); err == nil {
		t.Error("status with an unknown member role accepted")
	}
}
