// Package nodeagent is the test-infrastructure node of the local cluster (hack/local-cluster.sh):
// it registers one Node with a kube-apiserver and runs every pod bound to it as local processes
// of the zkensemble binary instead of container images, so the whole operator loop (apiserver,
// scheduler, StatefulSet controller, operator, member pods) runs on a machine with no container
// engine.
//
// It owns:
//   - the Node object, its Lease and the pod status plumbing, through virtual-kubelet's node
//     package (NodeController + PodController) with Provider as its PodLifecycleHandler;
//   - one loopback pod IP per pod (127.x.y.z) from IPAM, persisted in the state directory;
//   - a sandbox per container: a private mount and UTS namespace (the process re-executes the
//     zkensemble binary as `zkensemble nodeagent sandbox`, see sandbox_linux.go) whose root is a
//     tmpfs of bind mounts of the host's top-level directories plus the pod's volume mounts, a
//     generated /etc/hosts (RenderHosts: the DNS names cluster DNS would serve) and the pod's
//     hostname;
//   - volumes: emptyDir, configMap, secret, downwardAPI, projected (incl. service-account
//     tokens), hostPath and persistentVolumeClaim; PVCs are bound by a tiny provisioner
//     (provisioner.go) to hostPath PVs under the state directory so data outlives pods;
//   - EndpointSlices of addressType FQDN for its pods (DesiredEndpointSlices), since the
//     apiserver refuses the loopback pod IPs in the controller's IPv4 slices, and the
//     `kubernetes` Service's environment pointing at the apiserver itself (no kube-proxy);
//   - probes (exec inside the sandbox, tcpSocket, httpGet), restarts per restartPolicy with
//     kubelet's crash-loop back-off, graceful termination (SIGTERM to the process group, the
//     grace period, SIGKILL) and pod status (phase, conditions, IPs, container statuses).
//
// Pure parts (IPAM, RenderHosts, DesiredEndpointSlices, APIServerEnv, ResolveEnv/Expand, PlanMounts, Project*, ProbeTracker,
// BuildPodStatus) are deterministic functions of their inputs with table tests; the shell is
// Agent (client-go, informers, goroutines) and the process supervisor (container.go).
//
// What the caller must do: run as root on Linux (namespaces, bind mounts), point Config.Binary
// at a zkensemble binary (it serves both the images and the sandbox helper), give each agent on
// the machine its own StateDir and IP range, and cancel the context to stop: every pod process
// is then terminated gracefully before Run returns. Containers run as root whatever their
// securityContext says; there is no network namespace, so servers must bind their pod IP
// (not 0.0.0.0) for two pods to use the same port. docs/local-cluster.md lists what is and is
// not supported.
package nodeagent
