package envtest

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/zkensemble/zkensemble/controllers"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

// Set by TestMain (crd_test.go) once the control plane runs.
var (
	testEnv    *crenvtest.Environment
	restConfig *rest.Config
)

// operatorImage is the operator's own image in these tests (members would run it).
const operatorImage = "ghcr.io/zkensemble/zkensemble:envtest"

// operatorOpts are the builder options the in-process operator runs with; the specs compare
// what it applied with what the builders produce under the same options.
var operatorOpts = specs.Options{DefaultImage: operatorImage}

// stopManager stops the in-process operator; managerDone closes when it has stopped.
var (
	stopManager context.CancelFunc
	managerDone chan struct{}
)

// TestOperator runs the ginkgo specs of the operator: the reconciler in a controller-runtime
// manager, in this process, against the kube-apiserver and etcd TestMain started. No kubelet
// or controller-manager runs, so no pod ever exists: members are reported unreachable.
func TestOperator(t *testing.T) {
	if k8sClient == nil {
		t.Skip(skipWhy)
	}
	RegisterFailHandler(Fail)
	suite, reporter := GinkgoConfiguration()
	suite.Timeout = 3 * time.Minute
	RunSpecs(t, "ZKEnsemble operator", suite, reporter)
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	scheme, err := controllers.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{ByObject: controllers.CacheByObject()},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	r := &controllers.Reconciler{
		Client:         mgr.GetClient(),
		Recorder:       mgr.GetEventRecorder("zkensemble-operator"),
		Options:        operatorOpts,
		RequeueAfter:   time.Second,
		ObserveTimeout: 500 * time.Millisecond,
	}
	Expect(r.SetupWithManager(mgr)).To(Succeed())
	ctx, cancel := context.WithCancel(context.Background())
	stopManager, managerDone = cancel, make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(managerDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
		Eventually(managerDone).WithTimeout(30 * time.Second).Should(BeClosed())
	}
})
