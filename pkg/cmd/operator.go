package cmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/zkensemble/zkensemble/controllers"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

// `zkensemble operator` runs the Kubernetes operator: a controller-runtime manager with the
// ZKEnsemble reconciler (controllers), leader election, Prometheus metrics and health probes,
// logging JSON lines on stderr. config/manager and charts/zkensemble-operator run it so.
func init() {
	Register(Command{Name: "operator", Summary: "run the Kubernetes operator (ZKEnsemble controller)", Run: runOperator})
}

// EnvImage names the environment variable holding the operator's own image, which members run
// when spec.image is empty (one image serves operator, server and cli).
const EnvImage = "ZKENSEMBLE_IMAGE"

// operatorConfig is the parsed command line of `zkensemble operator`.
type operatorConfig struct {
	LeaderElect             bool
	LeaderElectionID        string
	LeaderElectionNamespace string
	HealthProbeAddr         string
	MetricsAddr             string
	WatchNamespaces         []string
	ClusterDomain           string
	Image                   string
	Kubeconfig              string
	RequeueAfter            time.Duration
	ObserveTimeout          time.Duration
	// Reconfig turns dynamic membership on (specs.Options.Reconfig).
	Reconfig bool
	LogLevel zapcore.Level
}

// parseOperatorFlags parses args; getenv supplies the defaults taken from the environment.
func parseOperatorFlags(args []string, getenv func(string) string, output io.Writer) (operatorConfig, error) {
	var c operatorConfig
	fs := flag.NewFlagSet("operator", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.BoolVar(&c.LeaderElect, "leader-elect", false, "elect a leader among operator replicas (a Lease); only the leader reconciles")
	fs.StringVar(&c.LeaderElectionID, "leader-election-id", "zkensemble-operator.zkensemble.io", "name of the leader election Lease")
	fs.StringVar(&c.LeaderElectionNamespace, "leader-election-namespace", getenv("POD_NAMESPACE"), "namespace of the Lease (default: $POD_NAMESPACE, else the in-cluster namespace)")
	fs.StringVar(&c.HealthProbeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz; 0 disables")
	fs.StringVar(&c.MetricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus /metrics endpoint; 0 disables")
	watch := fs.String("watch-namespaces", "", "comma-separated namespaces to watch; empty watches all")
	fs.StringVar(&c.ClusterDomain, "cluster-domain", specs.DefaultClusterDomain, "the cluster's DNS domain, used in the members' server.N host names")
	fs.StringVar(&c.Image, "image", getenv(EnvImage), "image members run when spec.image is empty (default: $"+EnvImage+")")
	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig file; default: in-cluster config, else $KUBECONFIG, else ~/.kube/config")
	fs.DurationVar(&c.RequeueAfter, "requeue-after", controllers.DefaultRequeueAfter, "period of the member observation refresh")
	fs.BoolVar(&c.Reconfig, "reconfig", true, "change membership by dynamic reconfig (scaling one voter at a time, leader transfer before the leader's restart); false writes static server lines and a replicas change only waits")
	fs.DurationVar(&c.ObserveTimeout, "observe-timeout", controllers.DefaultObserveTimeout, "bound on one member's srvr+mntr exchange")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: zkensemble operator [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, ns := range strings.Split(*watch, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			c.WatchNamespaces = append(c.WatchNamespaces, ns)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("--log-level: %w", err)
	}
	if c.Image == "" {
		return c, fmt.Errorf("no member image: set $%s or --image (the operator's own image)", EnvImage)
	}
	if c.RequeueAfter <= 0 || c.ObserveTimeout <= 0 {
		return c, fmt.Errorf("--requeue-after and --observe-timeout must be positive")
	}
	return c, nil
}

// managerOptions are the controller-runtime manager options for c. Pure.
func (c operatorConfig) managerOptions() (ctrl.Options, error) {
	scheme, err := controllers.NewScheme()
	if err != nil {
		return ctrl.Options{}, err
	}
	cacheOpts := cache.Options{ByObject: controllers.CacheByObject()}
	if len(c.WatchNamespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range c.WatchNamespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsserver.Options{BindAddress: c.MetricsAddr},
		HealthProbeBindAddress:  c.HealthProbeAddr,
		LeaderElection:          c.LeaderElect,
		LeaderElectionID:        c.LeaderElectionID,
		LeaderElectionNamespace: c.LeaderElectionNamespace,
		// The process exits right after the manager stops, so the Lease can be given up at once
		// and a standby takes over without waiting for it to expire.
		LeaderElectionReleaseOnCancel: true,
	}, nil
}

func runOperator(args []string) int {
	c, err := parseOperatorFlags(args, os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "zkensemble operator: %v\n", err)
		return 2
	}
	// JSON lines on stderr; client-go's klog goes through the same logger.
	logger := zap.New(zap.UseDevMode(false), zap.JSONEncoder(), zap.Level(c.LogLevel), zap.WriteTo(os.Stderr))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
	setupLog := logger.WithName("setup")

	var cfg *rest.Config
	if c.Kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	} else {
		cfg, err = ctrl.GetConfig()
	}
	if err != nil {
		setupLog.Error(err, "no Kubernetes client configuration")
		return 1
	}
	opts, err := c.managerOptions()
	if err != nil {
		setupLog.Error(err, "manager options")
		return 1
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		setupLog.Error(err, "creating the manager")
		return 1
	}
	r := &controllers.Reconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("zkensemble-operator"),
		// Reconfig: membership changes by dynamic reconfig (scaling one voter at a time, a leader
		// transfer before the leader's restart), on by default (--reconfig).
		Options:        specs.Options{ClusterDomain: c.ClusterDomain, DefaultImage: c.Image, Reconfig: c.Reconfig},
		RequeueAfter:   c.RequeueAfter,
		ObserveTimeout: c.ObserveTimeout,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "setting up the ZKEnsemble controller")
		return 1
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "health check")
		return 1
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		setupLog.Error(err, "ready check")
		return 1
	}
	setupLog.Info("starting", "image", c.Image, "watchNamespaces", c.WatchNamespaces, "leaderElect", c.LeaderElect,
		"metrics", c.MetricsAddr, "health", c.HealthProbeAddr, "clusterDomain", c.ClusterDomain)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "manager stopped")
		return 1
	}
	return 0
}
