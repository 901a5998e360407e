package controllers

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/specs"
	"github.com/zkensemble/zkensemble/pkg/topology"
)

// observed is everything one reconcile reads from the cluster and the members, read once
// before any decision.
type observed struct {
	// StatefulSet is nil when it does not exist.
	StatefulSet *appsv1.StatefulSet
	// Pods are the member pods that exist, by ordinal.
	Pods []corev1.Pod
	// Members has one entry per ordinal below spec.replicas (missing pods included) and one
	// per existing pod above it, by ordinal.
	Members []observe.Member
	Summary observe.Summary
}

// waitingFailing are container waiting reasons after which a member will not become ready
// without a change (Kubernetes' kubelet reasons).
var waitingFailing = map[string]bool{
	"CrashLoopBackOff":           true,
	"ImagePullBackOff":           true,
	"ErrImagePull":               true,
	"InvalidImageName":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
}

// observeCluster reads the StatefulSet and member pods and asks every member what it is.
func (r *Reconciler) observeCluster(ctx context.Context, zke *v1alpha1.ZKEnsemble, replicas int32, clientPort int32) (observed, error) {
	var obs observed
	sts := &appsv1.StatefulSet{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: zke.Namespace, Name: specs.StatefulSetName(zke)}, sts)
	switch {
	case err == nil:
		obs.StatefulSet = sts
	case !apierrors.IsNotFound(err):
		return obs, fmt.Errorf("get statefulset: %w", err)
	}
	var pods corev1.PodList
	if err := r.Client.List(ctx, &pods, client.InNamespace(zke.Namespace), client.MatchingLabels(specs.SelectorLabels(zke))); err != nil {
		return obs, fmt.Errorf("list member pods: %w", err)
	}
	obs.Pods = memberPods(zke, pods.Items)
	infos := podInfos(zke, obs.Pods, replicas)
	obs.Members = observe.Observe(ctx, infos, clientPort, r.observeTimeout(), r.query(), r.now)
	obs.Summary = observe.Summarize(obs.Members, replicas)
	return obs, nil
}

// memberPods keeps the pods named <statefulset>-<ordinal>, sorted by ordinal. Another
// StatefulSet's pod could carry our selector labels (a user's copy); its name tells it apart.
func memberPods(zke *v1alpha1.ZKEnsemble, pods []corev1.Pod) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if ord, err := topology.Ordinal(p.Name); err == nil && p.Name == specs.PodName(zke, ord) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := topology.Ordinal(out[i].Name)
		b, _ := topology.Ordinal(out[j].Name)
		return a < b
	})
	return out
}

// podInfos is one PodInfo per ordinal below replicas, Missing when its pod does not exist, plus
// the existing pods above (left by a scale-down), so all of them are reported. Pure.
func podInfos(zke *v1alpha1.ZKEnsemble, pods []corev1.Pod, replicas int32) []observe.PodInfo {
	byOrdinal := map[int]corev1.Pod{}
	maxOrd := int(replicas) - 1
	for _, p := range pods {
		ord, _ := topology.Ordinal(p.Name)
		byOrdinal[ord] = p
		maxOrd = max(maxOrd, ord)
	}
	var out []observe.PodInfo
	for ord := 0; ord <= maxOrd; ord++ {
		p, ok := byOrdinal[ord]
		switch {
		case ok:
			out = append(out, observe.PodInfo{Name: p.Name, IP: p.Status.PodIP, Ordinal: ord, Ready: podReady(&p)})
		case ord < int(replicas):
			out = append(out, observe.PodInfo{Name: specs.PodName(zke, ord), Ordinal: ord, Missing: true})
		}
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// failingPods are the member pods whose container waits for a reason that will not clear by
// itself, with that reason ("zk-1: CrashLoopBackOff"). Pure.
func failingPods(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && waitingFailing[w.Reason] {
				out = append(out, p.Name+": "+w.Reason)
				break
			}
		}
	}
	return out
}

// outdatedPods are the member pods that run an older zoo.cfg (their config hash annotation
// differs from hash) or an older pod template (their controller-revision-hash label differs
// from the StatefulSet's updateRevision, when it has one). Under OnDelete they keep running it
// until deleted. Pure.
func outdatedPods(pods []corev1.Pod, hash, updateRevision string) []string {
	var out []string
	for _, p := range pods {
		if p.Annotations[specs.AnnotationConfigHash] != hash ||
			(updateRevision != "" && p.Labels[appsv1.ControllerRevisionHashLabelKey] != updateRevision) {
			out = append(out, p.Name)
		}
	}
	return out
}
