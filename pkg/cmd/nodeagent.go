package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/zkensemble/zkensemble/pkg/nodeagent"
)

// `zkensemble nodeagent` is test infrastructure for the local cluster (hack/local-cluster.sh):
// a node that runs the pods bound to it as local processes of this binary (pkg/nodeagent).
// `zkensemble nodeagent sandbox SPEC [-- ARGV]` is its helper, run by the agent itself in a
// fresh mount and UTS namespace to set up one container and exec it.
func init() {
	Register(Command{Name: "nodeagent", Summary: "local-cluster node: run pods as local processes (test infrastructure)", Run: runNodeAgent})
}

func runNodeAgent(args []string) int {
	if len(args) > 0 && args[0] == "sandbox" {
		err := nodeagent.RunSandbox(args[1:])
		fmt.Fprintln(os.Stderr, err) // RunSandbox returns only on failure
		return 127
	}
	fs := flag.NewFlagSet("nodeagent", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: zkensemble nodeagent --kubeconfig FILE --state-dir DIR [flags]")
		fs.PrintDefaults()
	}
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to join")
	var cfg nodeagent.Config
	fs.StringVar(&cfg.NodeName, "node-name", "local", "name of the Node to register")
	fs.StringVar(&cfg.StateDir, "state-dir", "", "directory for pod state, PV data, logs and the IP allocations")
	fs.StringVar(&cfg.Binary, "binary", "", "zkensemble binary that images run (default: this executable)")
	fs.StringVar(&cfg.ImageMatch, "image-match", nodeagent.DefaultImageMatch, "images whose name contains this run the binary; others are refused")
	podCIDR := fs.String("pod-cidr", "127.1.0.0/16", "loopback range (inside 127.0.0.0/8) pod IPs come from")
	fs.StringVar(&cfg.HostIP, "host-ip", "127.0.0.1", "the node's address")
	fs.StringVar(&cfg.ClusterDomain, "cluster-domain", nodeagent.DefaultClusterDomain, "cluster DNS domain for hosts files")
	fs.StringVar(&cfg.StorageClass, "storage-class", "local-dir", "StorageClass the PVC provisioner serves (created as default if absent)")
	fs.DurationVar(&cfg.BackoffInitial, "backoff-initial", 10*time.Second, "first crash-loop back-off")
	fs.DurationVar(&cfg.BackoffMax, "backoff-max", 5*time.Minute, "longest crash-loop back-off")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 30*time.Second, "longest wait for pods to stop when the agent stops")
	logLevel := fs.String("log-level", "info", "debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "zkensemble nodeagent: bad --log-level %q\n", *logLevel)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	klog.SetSlogLogger(logger)
	if cfg.StateDir == "" || *kubeconfig == "" {
		fs.Usage()
		return 2
	}
	prefix, err := netip.ParsePrefix(*podCIDR)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zkensemble nodeagent: bad --pod-cidr: %v\n", err)
		return 2
	}
	cfg.PodCIDR = prefix
	if cfg.Binary == "" {
		if cfg.Binary, err = os.Executable(); err != nil {
			logger.Error("locating own executable", "err", err)
			return 1
		}
	}
	if os.Geteuid() != 0 {
		logger.Error("the node agent needs root (mount namespaces and bind mounts)")
		return 1
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		logger.Error("loading kubeconfig", "file", *kubeconfig, "err", err)
		return 1
	}
	restCfg.QPS, restCfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		logger.Error("building client", "err", err)
		return 1
	}
	agent, err := nodeagent.New(cfg, client, logger)
	if err != nil {
		logger.Error("starting node agent", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := agent.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("node agent stopped", "err", err)
		return 1
	}
	return 0
}
