package nodeagent

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Config configures an Agent.
type Config struct {
	// NodeName is the Node to register (default "local").
	NodeName string
	// StateDir holds pods/, volumes/ (PV data), logs/ and ipam.json.
	StateDir string
	// Binary is the zkensemble executable: what images run and the sandbox helper.
	Binary string
	// ImageMatch: images whose name contains it run Binary (default "zkensemble").
	ImageMatch string
	// PodCIDR is the loopback range pod IPs come from (default 127.1.0.0/16).
	PodCIDR netip.Prefix
	// HostIP is the node's address (default 127.0.0.1).
	HostIP string
	// ClusterDomain for hosts files (default cluster.local).
	ClusterDomain string
	// StorageClass is the class the provisioner serves; it is created as the default class
	// when absent (default "local-dir"). PVCs with no class are served too.
	StorageClass string
	// BackoffInitial and BackoffMax bound the crash-loop back-off (kubelet: 10 s, 5 min).
	BackoffInitial, BackoffMax time.Duration
	// APIServer is the apiserver's host:port that containers get as KUBERNETES_SERVICE_HOST
	// and _PORT (APIServerEnv). Default: the host of the client New is given.
	APIServer string
	// ShutdownGrace bounds how long Run waits for pods to stop when its context ends.
	ShutdownGrace time.Duration
}

// Provisioner is the name PVs made by the agent carry (pv.kubernetes.io/provisioned-by) and
// the provisioner of the StorageClass it creates.
const Provisioner = "zkensemble.io/local-dir"

func (c *Config) setDefaults() error {
	if c.NodeName == "" {
		c.NodeName = "local"
	}
	if c.StateDir == "" || c.Binary == "" {
		return fmt.Errorf("%w: StateDir and Binary are required", ErrInvalidPod)
	}
	var err error
	if c.StateDir, err = filepath.Abs(c.StateDir); err != nil {
		return err
	}
	if c.Binary, err = filepath.Abs(c.Binary); err != nil {
		return err
	}
	if c.ImageMatch == "" {
		c.ImageMatch = DefaultImageMatch
	}
	if !c.PodCIDR.IsValid() {
		c.PodCIDR = netip.MustParsePrefix("127.1.0.0/16")
	}
	if c.HostIP == "" {
		c.HostIP = "127.0.0.1"
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.StorageClass == "" {
		c.StorageClass = "local-dir"
	}
	if c.BackoffInitial <= 0 {
		c.BackoffInitial = 10 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 5 * time.Minute
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 30 * time.Second
	}
	return nil
}

// capacity is what the Node advertises (and what unset resource limits resolve to).
func (c *Config) capacity() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           resource.MustParse("16Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
}
