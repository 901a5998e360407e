package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vkslog "github.com/virtual-kubelet/virtual-kubelet/log/slog"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

// Agent is the node: the Node object and its lease, the pod controller and the pods' processes.
type Agent struct {
	cfg    Config
	client kubernetes.Interface
	log    *slog.Logger

	factory   informers.SharedInformerFactory
	podLister interface {
		List(labels.Selector) ([]*corev1.Pod, error)
	}
	svcInf, cmInf, secInf, pvcInf, pvInf cache.SharedIndexInformer

	ipamMu sync.Mutex
	ipam   *IPAM

	mu       sync.Mutex
	pods     map[string]*podRuntime // namespace/name → runtime
	notifyFn func(*corev1.Pod)

	resync chan struct{}
}

// New returns an agent talking to the apiserver through client.
func New(cfg Config, client kubernetes.Interface, logger *slog.Logger) (*Agent, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	for _, d := range []string{"pods", "volumes", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.StateDir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if cfg.APIServer == "" && client != nil {
		// A real clientset's REST client knows the apiserver's URL (a fake one has none).
		if rc := client.Discovery().RESTClient(); rc != nil && !reflect.ValueOf(rc).IsNil() {
			if u := rc.Get().URL(); u != nil {
				cfg.APIServer = u.Host
			}
		}
	}
	ipam, err := LoadIPAM(filepath.Join(cfg.StateDir, "ipam.json"), cfg.PodCIDR)
	if err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg, client: client, log: logger, ipam: ipam, pods: map[string]*podRuntime{}, resync: make(chan struct{}, 1)}, nil
}

// runtimeEnv implementation.
func (a *Agent) config() *Config      { return &a.cfg }
func (a *Agent) logger() *slog.Logger { return a.log }
func (a *Agent) objects() Objects     { return listerObjects{a} }
func (a *Agent) notify(p *corev1.Pod) {
	a.mu.Lock()
	fn := a.notifyFn
	a.mu.Unlock()
	if fn != nil {
		fn(p)
	}
	a.kickResync() // a readiness change changes other pods' hosts files
}

func (a *Agent) kickResync() {
	select {
	case a.resync <- struct{}{}:
	default:
	}
}

// listerObjects reads ConfigMaps and Secrets from the informer caches.
type listerObjects struct{ a *Agent }

func getFrom[T any](inf cache.SharedIndexInformer, kind, ns, name string) (*T, error) {
	key := name // cluster-scoped objects are keyed by name alone
	if ns != "" {
		key = ns + "/" + name
	}
	obj, ok, err := inf.GetStore().GetByKey(key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s %s/%s not found", kind, ns, name)
	}
	return obj.(*T), nil
}

func (o listerObjects) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	return getFrom[corev1.ConfigMap](o.a.cmInf, "configmap", ns, name)
}

func (o listerObjects) Secret(ns, name string) (*corev1.Secret, error) {
	return getFrom[corev1.Secret](o.a.secInf, "secret", ns, name)
}

func (a *Agent) podDir(p *corev1.Pod) string {
	return filepath.Join(a.cfg.StateDir, "pods", string(p.UID))
}

// prepareVolumes materialises every volume of the pod and returns name → host path.
func (a *Agent) prepareVolumes(rt *podRuntime) (map[string]string, error) {
	rt.mu.Lock()
	pod := rt.pod.DeepCopy()
	rt.mu.Unlock()
	paths := map[string]string{}
	in := ProjectionInput{Pod: pod, Runtime: PodRuntimeInfo{PodIP: rt.ip, HostIP: a.cfg.HostIP, NodeName: a.cfg.NodeName},
		Objects: a.objects(), Token: a.token}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		dir := filepath.Join(rt.dir, "volumes", v.Name)
		switch {
		case v.EmptyDir != nil:
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, err
			}
			paths[v.Name] = dir
		case v.HostPath != nil:
			if t := v.HostPath.Type; t != nil && (*t == corev1.HostPathDirectoryOrCreate) {
				if err := os.MkdirAll(v.HostPath.Path, 0o755); err != nil {
					return nil, err
				}
			}
			paths[v.Name] = v.HostPath.Path
		case v.PersistentVolumeClaim != nil:
			p, err := a.claimPath(pod.Namespace, v.PersistentVolumeClaim.ClaimName)
			if err != nil {
				return nil, fmt.Errorf("volume %q: %w", v.Name, err)
			}
			paths[v.Name] = p
		default:
			files, ok, err := Project(in, v)
			if !ok {
				return nil, fmt.Errorf("%w: volume %q: only emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected", ErrUnsupported, v.Name)
			}
			if err != nil {
				return nil, err
			}
			if _, err := WriteProjected(dir, files, time.Now()); err != nil {
				return nil, err
			}
			paths[v.Name] = dir
		}
	}
	return paths, nil
}

// refreshProjected re-projects configMap, secret and downwardAPI volumes of a running pod, as
// kubelet's periodic sync does, so updated ConfigMaps reach running processes (atomically,
// through ..data). Volumes with service-account tokens are left alone.
func (a *Agent) refreshProjected(rt *podRuntime) {
	rt.mu.Lock()
	pod := rt.pod.DeepCopy()
	ready := rt.sandboxReady
	rt.mu.Unlock()
	if !ready {
		return
	}
	in := ProjectionInput{Pod: pod, Runtime: PodRuntimeInfo{PodIP: rt.ip, HostIP: a.cfg.HostIP, NodeName: a.cfg.NodeName}, Objects: a.objects()}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if v.Projected != nil {
			continue
		}
		files, ok, err := Project(in, v)
		if !ok || err != nil {
			continue
		}
		if changed, err := WriteProjected(filepath.Join(rt.dir, "volumes", v.Name), files, time.Now()); err == nil && changed {
			a.log.Info("volume updated", "pod", rt.key(), "volume", v.Name)
		}
	}
}

func (a *Agent) token(ns, sa, audience string, exp int64) (string, error) {
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &exp}}
	if audience != "" {
		req.Spec.Audiences = []string{audience}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := a.client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return resp.Status.Token, nil
}

// claimPath is the host directory of a bound PVC.
func (a *Agent) claimPath(ns, claim string) (string, error) {
	pvc, err := getFrom[corev1.PersistentVolumeClaim](a.pvcInf, "persistentvolumeclaim", ns, claim)
	if err != nil {
		return "", err
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("persistentvolumeclaim %s/%s is not bound yet", ns, claim)
	}
	pv, err := getFrom[corev1.PersistentVolume](a.pvInf, "persistentvolume", "", pvc.Spec.VolumeName)
	if err != nil {
		return "", err
	}
	switch {
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, nil
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, nil
	}
	return "", fmt.Errorf("%w: persistentvolume %s is neither hostPath nor local", ErrUnsupported, pv.Name)
}

func (a *Agent) renderHosts(rt *podRuntime) []byte {
	rt.mu.Lock()
	self := rt.pod.DeepCopy()
	rt.mu.Unlock()
	pods, _ := a.podLister.List(labels.Everything())
	var svcs []*corev1.Service
	for _, o := range a.svcInf.GetStore().List() {
		svcs = append(svcs, o.(*corev1.Service))
	}
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].Namespace+"/"+svcs[i].Name < svcs[j].Namespace+"/"+svcs[j].Name })
	return RenderHosts(HostsInput{ClusterDomain: a.cfg.ClusterDomain, Self: self, SelfIP: rt.ip, Services: svcs, Pods: pods})
}

// terminated runs when a stopped pod's processes are all gone: a deleted pod's IP is
// released, its private state removed (PV data lives elsewhere) and, as kubelet's status manager does, the
// pod object is deleted with grace 0 so its controller can replace it at once.
func (a *Agent) terminated(rt *podRuntime) {
	p := rt.snapshot()
	a.notify(p)
	a.mu.Lock()
	if a.pods[rt.key()] == rt {
		delete(a.pods, rt.key())
	}
	a.mu.Unlock()
	// A pod stopped because the agent stops keeps its address for the next run; only a
	// deleted pod gives it back.
	if p.DeletionTimestamp != nil {
		a.ipamMu.Lock()
		a.ipam.Release(string(p.UID))
		if err := SaveIPAM(filepath.Join(a.cfg.StateDir, "ipam.json"), a.ipam); err != nil {
			a.log.Error("saving ipam state", "err", err)
		}
		a.ipamMu.Unlock()
	}
	if err := os.RemoveAll(rt.dir); err != nil {
		a.log.Warn("removing pod state", "dir", rt.dir, "err", err)
	}
	if p.DeletionTimestamp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		uid := p.UID
		zero := int64(0)
		err := a.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			a.log.Warn("deleting terminated pod", "pod", rt.key(), "err", err)
		}
	}
	a.log.Info("pod terminated", "pod", rt.key(), "uid", p.UID)
}

// Provider is the virtual-kubelet PodLifecycleHandler (and PodNotifier) of the agent.
type Provider struct{ a *Agent }

var _ node.PodLifecycleHandler = Provider{}
var _ node.PodNotifier = Provider{}

// CreatePod accepts a pod: allocates its IP and starts its runtime. A pod that reuses the name
// of one still terminating (a StatefulSet replacement) waits for the old processes first, so
// two incarnations never share a data directory.
func (p Provider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	a := p.a
	key := pod.Namespace + "/" + pod.Name
	for {
		a.mu.Lock()
		old, ok := a.pods[key]
		a.mu.Unlock()
		if !ok {
			break
		}
		if old.pod.UID == pod.UID {
			return nil
		}
		old.terminate(0)
		select {
		case <-old.done:
			a.mu.Lock()
			if a.pods[key] == old {
				delete(a.pods, key)
			}
			a.mu.Unlock()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(30 * time.Second):
			return fmt.Errorf("nodeagent: earlier pod %s (uid %s) still terminating", key, old.pod.UID)
		}
	}
	a.ipamMu.Lock()
	ip, err := a.ipam.Allocate(string(pod.UID))
	if err == nil {
		err = SaveIPAM(filepath.Join(a.cfg.StateDir, "ipam.json"), a.ipam)
	}
	a.ipamMu.Unlock()
	if err != nil {
		return err
	}
	dir := a.podDir(pod)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rt := newPodRuntime(a, pod, ip.String(), dir, time.Now())
	a.mu.Lock()
	a.pods[key] = rt
	a.mu.Unlock()
	a.log.Info("pod accepted", "pod", key, "uid", pod.UID, "ip", ip)
	a.notify(rt.snapshot())
	rt.start()
	return nil
}

// UpdatePod records the new metadata/spec (labels, annotations; images are not re-pulled).
func (p Provider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	rt := p.a.lookup(pod.Namespace, pod.Name)
	if rt == nil || rt.pod.UID != pod.UID {
		return errdefs.NotFoundf("pod %s/%s", pod.Namespace, pod.Name)
	}
	rt.mu.Lock()
	rt.pod.Labels, rt.pod.Annotations = pod.Labels, pod.Annotations
	rt.pod.DeletionTimestamp, rt.pod.DeletionGracePeriodSeconds = pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds
	rt.mu.Unlock()
	p.a.kickResync()
	return nil
}

// DeletePod starts graceful termination; the runtime reports the final status when done.
func (p Provider) DeletePod(_ context.Context, pod *corev1.Pod) error {
	rt := p.a.lookup(pod.Namespace, pod.Name)
	if rt == nil || rt.pod.UID != pod.UID {
		return errdefs.NotFoundf("pod %s/%s", pod.Namespace, pod.Name)
	}
	grace := int64(30)
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		grace = *pod.DeletionGracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	rt.mu.Lock()
	rt.pod.DeletionTimestamp = pod.DeletionTimestamp
	if rt.pod.DeletionTimestamp == nil {
		now := metav1.Now()
		rt.pod.DeletionTimestamp = &now
	}
	rt.mu.Unlock()
	p.a.log.Info("terminating pod", "pod", rt.key(), "graceSeconds", grace)
	rt.terminate(grace)
	return nil
}

// GetPod returns the pod as the agent runs it.
func (p Provider) GetPod(_ context.Context, ns, name string) (*corev1.Pod, error) {
	rt := p.a.lookup(ns, name)
	if rt == nil {
		return nil, errdefs.NotFoundf("pod %s/%s", ns, name)
	}
	return rt.snapshot(), nil
}

// GetPodStatus returns the pod's current status.
func (p Provider) GetPodStatus(ctx context.Context, ns, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods lists every pod the agent runs.
func (p Provider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.a.mu.Lock()
	rts := make([]*podRuntime, 0, len(p.a.pods))
	for _, rt := range p.a.pods {
		rts = append(rts, rt)
	}
	p.a.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(rts))
	for _, rt := range rts {
		out = append(out, rt.snapshot())
	}
	return out, nil
}

// NotifyPods registers the status callback.
func (p Provider) NotifyPods(_ context.Context, fn func(*corev1.Pod)) {
	p.a.mu.Lock()
	p.a.notifyFn = fn
	p.a.mu.Unlock()
}

func (a *Agent) lookup(ns, name string) *podRuntime {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pods[ns+"/"+name]
}

// nodeObject is the Node the agent registers.
func (a *Agent) nodeObject() *corev1.Node {
	capacity := a.cfg.capacity()
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: a.cfg.NodeName, Labels: map[string]string{
			"kubernetes.io/hostname": a.cfg.NodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH,
			"node.kubernetes.io/instance-type": "zkensemble-nodeagent",
		}},
		Status: corev1.NodeStatus{
			Capacity: capacity, Allocatable: capacity,
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "zkensemble nodeagent is ready"),
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", ""),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", ""),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", ""),
			},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: a.cfg.HostIP}, {Type: corev1.NodeHostName, Address: a.cfg.NodeName}},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.36.3-zkensemble-nodeagent", OperatingSystem: "linux", Architecture: runtime.GOARCH,
				ContainerRuntimeVersion: "zkensemble-nodeagent://local-processes"},
		},
	}
}

// Run registers the node and runs pods until ctx ends, then stops every pod (SIGTERM, grace,
// SIGKILL; bounded by ShutdownGrace) and returns.
func (a *Agent) Run(ctx context.Context) error {
	vklog.L = vkslog.FromSlog(a.log.With("component", "virtual-kubelet"))
	killLeftovers(filepath.Join(a.cfg.StateDir, "pods"), a.log)
	// Pod directories of an earlier run hold nothing worth keeping (PV data is in volumes/).
	if entries, err := os.ReadDir(filepath.Join(a.cfg.StateDir, "pods")); err == nil {
		for _, e := range entries {
			os.RemoveAll(filepath.Join(a.cfg.StateDir, "pods", e.Name()))
		}
	}

	a.factory = informers.NewSharedInformerFactory(a.client, 0)
	podInf := a.factory.Core().V1().Pods()
	a.podLister = podInf.Lister()
	a.svcInf = a.factory.Core().V1().Services().Informer()
	a.cmInf = a.factory.Core().V1().ConfigMaps().Informer()
	a.secInf = a.factory.Core().V1().Secrets().Informer()
	a.pvcInf = a.factory.Core().V1().PersistentVolumeClaims().Informer()
	a.pvInf = a.factory.Core().V1().PersistentVolumes().Informer()
	kick := cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { a.kickResync() }, UpdateFunc: func(any, any) { a.kickResync() }, DeleteFunc: func(any) { a.kickResync() },
	}
	for _, inf := range []cache.SharedIndexInformer{podInf.Informer(), a.svcInf} {
		if _, err := inf.AddEventHandler(kick); err != nil {
			return err
		}
	}
	prov := newProvisioner(a)
	for _, inf := range []cache.SharedIndexInformer{a.pvcInf, a.pvInf} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: func(any) { prov.kick() }, UpdateFunc: func(any, any) { prov.kick() }, DeleteFunc: func(any) { prov.kick() },
		}); err != nil {
			return err
		}
	}

	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	a.factory.Start(runCtx.Done())
	for typ, ok := range a.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("nodeagent: informer for %v did not sync", typ)
		}
	}
	a.dropStaleIPs(podInf.Lister())
	if err := prov.ensureStorageClass(ctx); err != nil {
		a.log.Warn("storage class", "err", err)
	}

	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: a.client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "zkensemble-nodeagent", Host: a.cfg.NodeName})

	nodeCtl, err := node.NewNodeController(node.NaiveNodeProvider{}, a.nodeObject(), a.client.CoreV1().Nodes(),
		node.WithNodeEnableLeaseV1(a.client.CoordinationV1().Leases(corev1.NamespaceNodeLease), 0))
	if err != nil {
		return err
	}
	nodeName := a.cfg.NodeName
	podCtl, err := node.NewPodController(node.PodControllerConfig{
		PodClient:         a.client.CoreV1(),
		PodInformer:       podInf,
		EventRecorder:     recorder,
		Provider:          Provider{a},
		ConfigMapInformer: a.factory.Core().V1().ConfigMaps(),
		SecretInformer:    a.factory.Core().V1().Secrets(),
		ServiceInformer:   a.factory.Core().V1().Services(),
		PodEventFilterFunc: func(_ context.Context, p *corev1.Pod) bool {
			return p.Spec.NodeName == nodeName
		},
		// Env needs the pod IP, known only once the pod is accepted: ResolveEnv does it.
		SkipDownwardAPIResolution: true,
	})
	if err != nil {
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- nodeCtl.Run(runCtx) }()
	select {
	case <-nodeCtl.Ready():
	case err := <-errc:
		return fmt.Errorf("nodeagent: node controller: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	a.log.Info("node registered", "node", nodeName)
	go func() { errc <- podCtl.Run(runCtx, 4) }()
	go prov.run(runCtx)
	go a.syncLoop(runCtx)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr = err
	}
	a.log.Info("stopping: terminating pods")
	a.stopAll()
	stop()
	return runErr
}

// dropStaleIPs releases addresses of pods that no longer exist.
func (a *Agent) dropStaleIPs(lister interface {
	List(labels.Selector) ([]*corev1.Pod, error)
}) {
	pods, _ := lister.List(labels.Everything())
	live := map[string]bool{}
	for _, p := range pods {
		live[string(p.UID)] = true
	}
	a.ipamMu.Lock()
	defer a.ipamMu.Unlock()
	for _, k := range a.ipam.Keys() {
		if !live[k] {
			a.ipam.Release(k)
		}
	}
	_ = SaveIPAM(filepath.Join(a.cfg.StateDir, "ipam.json"), a.ipam)
}

// stopAll terminates every pod with its own grace period, capped by ShutdownGrace, and waits.
func (a *Agent) stopAll() {
	a.mu.Lock()
	rts := make([]*podRuntime, 0, len(a.pods))
	for _, rt := range a.pods {
		rts = append(rts, rt)
	}
	a.mu.Unlock()
	capSec := int64(a.cfg.ShutdownGrace / time.Second)
	for _, rt := range rts {
		g := int64(30)
		if tg := rt.pod.Spec.TerminationGracePeriodSeconds; tg != nil {
			g = *tg
		}
		rt.terminate(min(g, capSec))
	}
	deadline := time.After(a.cfg.ShutdownGrace + 5*time.Second)
	for _, rt := range rts {
		select {
		case <-rt.done:
		case <-deadline:
			a.log.Error("pods did not stop in time")
			return
		}
	}
}

// syncLoop rewrites hosts files and the agent's EndpointSlices when pods or services change
// (and every 10 s), and re-projects volumes every 10 s.
func (a *Agent) syncLoop(ctx context.Context) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		refresh := false
		select {
		case <-ctx.Done():
			return
		case <-a.resync:
		case <-tick.C:
			refresh = true
		}
		a.mu.Lock()
		rts := make([]*podRuntime, 0, len(a.pods))
		for _, rt := range a.pods {
			rts = append(rts, rt)
		}
		a.mu.Unlock()
		for _, rt := range rts {
			rt.mu.Lock()
			ready := rt.sandboxReady
			rt.mu.Unlock()
			if !ready {
				continue
			}
			if err := rt.writeHosts(); err != nil && !errors.Is(err, os.ErrNotExist) {
				a.log.Warn("writing hosts", "pod", rt.key(), "err", err)
			}
			if refresh {
				a.refreshProjected(rt)
			}
		}
		a.syncEndpointSlices(ctx)
		// Coalesce bursts (a StatefulSet scaling up changes many pods at once).
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// syncEndpointSlices publishes DesiredEndpointSlices of the pods and Services in the informer
// caches (applyEndpointSlices). Errors are logged; the next pod/service event or the 10 s tick
// retries.
func (a *Agent) syncEndpointSlices(ctx context.Context) {
	pods, _ := a.podLister.List(labels.Everything())
	var svcs []*corev1.Service
	for _, o := range a.svcInf.GetStore().List() {
		svcs = append(svcs, o.(*corev1.Service))
	}
	desired := DesiredEndpointSlices(EndpointSliceInput{NodeName: a.cfg.NodeName, Services: svcs, Pods: pods})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := applyEndpointSlices(ctx, a.client, desired); err != nil {
		a.log.Warn("publishing endpoint slices", "err", err)
	}
}

// applyEndpointSlices makes the slices labelled as the agent's match desired: creates the
// missing, updates the changed, replaces one whose addressType differs (immutable) and deletes
// those no pod backs any more. It goes on after an error and returns them joined.
func applyEndpointSlices(ctx context.Context, client kubernetes.Interface, desired []*discoveryv1.EndpointSlice) error {
	api := client.DiscoveryV1()
	have, err := api.EndpointSlices("").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelManagedBy + "=" + EndpointSliceManager})
	if err != nil {
		return fmt.Errorf("listing endpoint slices: %w", err)
	}
	existing := map[string]*discoveryv1.EndpointSlice{}
	for i := range have.Items {
		es := &have.Items[i]
		existing[es.Namespace+"/"+es.Name] = es
	}
	var errs []error
	for _, want := range desired {
		key := want.Namespace + "/" + want.Name
		cur, ok := existing[key]
		delete(existing, key)
		switch {
		case !ok:
			_, err = api.EndpointSlices(want.Namespace).Create(ctx, want, metav1.CreateOptions{})
		case cur.AddressType != want.AddressType:
			// addressType is immutable: delete now, the next sync creates it.
			err = api.EndpointSlices(cur.Namespace).Delete(ctx, cur.Name, metav1.DeleteOptions{})
		case !apiequality.Semantic.DeepEqual(cur.Endpoints, want.Endpoints) || !apiequality.Semantic.DeepEqual(cur.Ports, want.Ports) ||
			!apiequality.Semantic.DeepEqual(cur.Labels, want.Labels) || !apiequality.Semantic.DeepEqual(cur.OwnerReferences, want.OwnerReferences):
			upd := cur.DeepCopy()
			upd.Endpoints, upd.Ports, upd.Labels, upd.OwnerReferences = want.Endpoints, want.Ports, want.Labels, want.OwnerReferences
			_, err = api.EndpointSlices(upd.Namespace).Update(ctx, upd, metav1.UpdateOptions{})
		default:
			continue
		}
		// AlreadyExists, Conflict, NotFound: someone changed it meanwhile; the next sync sees it.
		if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("endpoint slice %s: %w", key, err))
		}
	}
	for key, cur := range existing {
		if err := api.EndpointSlices(cur.Namespace).Delete(ctx, cur.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting endpoint slice %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}
