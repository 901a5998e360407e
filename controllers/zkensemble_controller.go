package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/reconfig"
	"github.com/zkensemble/zkensemble/pkg/specs"
	"github.com/zkensemble/zkensemble/pkg/topology"
)

// Defaults of the Reconciler's tunables.
const (
	// DefaultRequeueAfter refreshes the member observation of a quiet ensemble: srvr/mntr
	// answers change without any Kubernetes event (a leader change, followers falling behind).
	DefaultRequeueAfter = 30 * time.Second
	// DefaultObserveTimeout bounds each member's srvr+mntr exchange. Members are asked in
	// parallel, so it also bounds the observation of the whole ensemble.
	DefaultObserveTimeout = 3 * time.Second
)

// Reconciler reconciles ZKEnsembles.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
	// Options for the builders; DefaultImage is the operator's own image.
	Options specs.Options
	// Query asks a member for a four-letter word; fourlw.Query when nil.
	Query observe.QueryFunc
	// ObserveTimeout bounds the observation of one member; DefaultObserveTimeout when zero.
	ObserveTimeout time.Duration
	// RequeueAfter is the refresh period; DefaultRequeueAfter when zero.
	RequeueAfter time.Duration
	// Now is the clock stamping conditions and lastSeen; time.Now when nil.
	Now func() time.Time
	// Membership performs reconfigs when Options.Reconfig is on; DialMembership when nil.
	Membership MembershipClient
	// APIReader reads spec.tls's Secret straight from the apiserver: the manager's cache holds
	// only the Secrets the operator labels (CacheByObject), and a user's TLS Secret is not one.
	// SetupWithManager sets the manager's; Client when nil (tests with a plain client).
	APIReader client.Reader
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) query() observe.QueryFunc {
	if r.Query != nil {
		return r.Query
	}
	return fourlw.Query
}

func (r *Reconciler) observeTimeout() time.Duration {
	if r.ObserveTimeout > 0 {
		return r.ObserveTimeout
	}
	return DefaultObserveTimeout
}

func (r *Reconciler) requeueAfter() time.Duration {
	if r.RequeueAfter > 0 {
		return r.RequeueAfter
	}
	return DefaultRequeueAfter
}

// Reconcile runs observe → build → decide → apply → status for one ZKEnsemble.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	zke := &v1alpha1.ZKEnsemble{}
	if err := r.Client.Get(ctx, req.NamespacedName, zke); err != nil {
		// Deleted: the garbage collector removes the owned objects.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	// Observe once. Replicas and the client port come from the spec with the CRD defaults,
	// so a spec the builders refuse is still observed.
	replicas := zke.Spec.Replicas
	if replicas == 0 {
		replicas = v1alpha1.DefaultReplicas
	}
	clientPort := zke.Spec.Ports.Client
	if clientPort == 0 {
		clientPort = v1alpha1.DefaultClientPort
	}
	obs, err := r.observeCluster(ctx, zke, replicas, clientPort)
	if err != nil {
		return ctrl.Result{}, err
	}

	// Dynamic membership: the next membership step, decided before building because Grow
	// and Shrink are the StatefulSet size the builders write.
	acting := zke.DeletionTimestamp.IsZero() && !zke.Spec.Paused
	var mem membership
	var step reconfig.Step
	if r.Options.Reconfig {
		if mem, err = r.observeMembership(ctx, zke, obs, replicas, clientPort, acting); err != nil {
			return ctrl.Result{}, err
		}
		step = reconfig.Decide(membershipInput(obs, mem, replicas, 0))
	}

	// Build and decide (pure).
	want, buildErr := buildDesired(zke, r.Options, specs.Membership{SuperDigest: mem.SuperDigest, Pods: step.Pods})
	if buildErr == nil && acting && zke.Spec.TLS != nil {
		// A spec that builds but whose TLS Secret is missing or incomplete is not applied: a
		// new pod would wait for its volume, and a roll would take members into that wait one
		// by one. The members already running keep running.
		secret, err := r.readTLSSecret(ctx, zke)
		if err != nil {
			return ctrl.Result{}, err
		}
		buildErr = specs.CheckTLSSecret(zke, secret)
	}
	d := decide(decisionInput{Deleting: !zke.DeletionTimestamp.IsZero(), Paused: zke.Spec.Paused, BuildErr: buildErr})
	logger.V(1).Info("decided", "step", d.Step.String(), "why", d.Why, "leader", obs.Summary.LeaderPod,
		"synced", obs.Summary.SyncedVoters, "unreachable", len(obs.Summary.Unreachable))
	if buildErr == nil && zke.Generation != zke.Status.ObservedGeneration {
		for _, w := range want.Warnings {
			r.Recorder.Eventf(zke, nil, corev1.EventTypeWarning, "ConfigWarning", "Build", "serverConfig %s", w.String())
		}
	}

	// Act.
	var applyErr error
	changed := false
	if d.Step == StepApply {
		var done []applied
		done, applyErr = r.applyAll(ctx, zke, want.Objects)
		for _, a := range done {
			if a.Outcome != Unchanged {
				changed = true
				logger.Info("applied", "kind", a.Kind, "name", a.Name, "outcome", a.Outcome.String())
			}
		}
	}

	// Status, computed purely and written once.
	updateRevision := ""
	if obs.StatefulSet != nil {
		updateRevision = obs.StatefulSet.Status.UpdateRevision
	}
	var ready int32
	for i := range obs.Pods {
		if podReady(&obs.Pods[i]) {
			ready++
		}
	}
	in := statusInput{
		Generation:   zke.Generation,
		Prev:         zke.Status,
		Replicas:     replicas,
		Paused:       zke.Spec.Paused,
		BuildErr:     buildErr,
		ApplyErr:     applyErr,
		ConfigHash:   want.ConfigHash,
		Selector:     specs.Selector(zke).String(),
		PodsExisting: int32(len(obs.Pods)),
		PodsReady:    ready,
		Failing:      failingPods(obs.Pods),
		Members:      obs.Members,
		Summary:      obs.Summary,
		Now:          metav1.NewTime(r.now()),
	}
	if buildErr == nil {
		in.Outdated = outdatedPods(obs.Pods, want.ConfigHash, updateRevision)
	}

	// Membership step, then the roll: one change per reconcile, and no restart while the
	// membership is changing.
	var roll restartDecision
	if d.Step == StepApply && applyErr == nil && r.Options.Reconfig {
		step = withLeaderTransfer(step, obs, mem, replicas, restartInputOf(obs, replicas, in.Outdated, !changed))
		if err := r.actMembership(ctx, zke, mem, step); err != nil {
			applyErr = err
		}
		in.Membership = &membershipStatus{Step: step, Config: mem.Config, ConfigKnown: mem.ConfigErr == ""}
	}
	if d.Step == StepApply && applyErr == nil && step.Action == reconfig.ActNone {
		roll = decideRestart(restartInputOf(obs, replicas, in.Outdated, !changed))
		in.Rolling, in.RollWhy = roll.Pod != "" || roll.Waiting, roll.Why
		if roll.Pod != "" {
			if err := r.restartMember(ctx, zke, roll); err != nil {
				applyErr = err
			}
		} else if roll.Waiting {
			logger.V(1).Info("roll waiting", "why", roll.Why)
		}
	}
	prev := zke.Status
	next := computeStatus(in)
	if err := r.writeStatus(ctx, zke, next); err != nil {
		// Deleted meanwhile: nothing to report. (A merge patch has no resourceVersion, so
		// there is no conflict to retry.)
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	for _, e := range transitionEvents(prev, next) {
		r.Recorder.Eventf(zke, nil, e.Type, e.Reason, "Observe", "%s", e.Note)
	}
	if applyErr != nil {
		return ctrl.Result{}, applyErr
	}
	if errors.Is(buildErr, specs.ErrTLSSecret) {
		// The operator does not watch Secrets it does not own; look again soon.
		return ctrl.Result{RequeueAfter: min(tlsSecretRequeueAfter, r.requeueAfter())}, nil
	}
	if in.Rolling || step.Action != reconfig.ActNone {
		// Pod events drive the roll too; the short requeue covers what only the members'
		// answers show (a restarted follower back in the leader's synced count).
		return ctrl.Result{RequeueAfter: min(rollRequeueAfter, r.requeueAfter())}, nil
	}
	return ctrl.Result{RequeueAfter: r.requeueAfter()}, nil
}

// rollRequeueAfter is the observation period while a roll or a membership change is under way.
const rollRequeueAfter = 2 * time.Second

// restartInputOf gathers what decideRestart reads. stsCurrent is false when this reconcile's
// apply changed an object: the StatefulSet's revision may then be about to change. Pure.
func restartInputOf(obs observed, replicas int32, outdated []string, appliedNothing bool) restartInput {
	in := restartInput{Replicas: replicas, Outdated: outdated, Members: obs.Members, Summary: obs.Summary}
	if sts := obs.StatefulSet; sts != nil && appliedNothing {
		in.StatefulSetCurrent = sts.Status.ObservedGeneration >= sts.Generation && sts.Status.UpdateRevision != ""
	}
	for i := range obs.Pods {
		p := &obs.Pods[i]
		ord, _ := topology.Ordinal(p.Name)
		in.Pods = append(in.Pods, restartPod{Name: p.Name, Ordinal: ord, Ready: podReady(p),
			Deleting: p.DeletionTimestamp != nil, UID: string(p.UID)})
	}
	return in
}

// restartMember deletes the pod the roll picked; the StatefulSet controller recreates it from
// the current template. The UID precondition makes sure the pod deleted is the one observed,
// not a replacement created since.
func (r *Reconciler) restartMember(ctx context.Context, zke *v1alpha1.ZKEnsemble, d restartDecision) error {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: zke.Namespace, Name: d.Pod}}
	uid := types.UID(d.UID)
	err := r.Client.Delete(ctx, pod, client.Preconditions{UID: &uid})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone or replaced meanwhile: the next observation sees it
	}
	if err != nil {
		return fmt.Errorf("restart member %s: %w", d.Pod, err)
	}
	log.FromContext(ctx).Info("restarting member", "pod", d.Pod, "role", string(d.Role), "why", d.Why)
	r.Recorder.Eventf(zke, pod, corev1.EventTypeNormal, "RestartingMember", "Restart",
		"restarting %s (%s) to apply the current spec: %s", d.Pod, roleName(d.Role), d.Why)
	return nil
}

func roleName(r v1alpha1.MemberRole) string {
	if r == "" {
		return "role unknown"
	}
	return string(r)
}

// SetupWithManager watches ZKEnsembles (spec changes only: the operator's own status writes
// must not trigger it), the objects they own (drift: a deleted or edited object is applied
// again) and the member pods (readiness changes refresh the observation).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ZKEnsemble{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Owns(&corev1.ServiceAccount{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToEnsemble)).
		WithOptions(controller.Options{RecoverPanic: ptr.To(true)}).
		Named("zkensemble").
		Complete(r)
}

// podToEnsemble maps a member pod to its ZKEnsemble through the instance label.
func podToEnsemble(_ context.Context, obj client.Object) []reconcile.Request {
	l := obj.GetLabels()
	if l[specs.LabelName] != specs.AppName || l[specs.LabelInstance] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: l[specs.LabelInstance]}}}
}

// CacheByObject restricts the manager's cache to the objects the operator labels (managed-by
// zkensemble-operator), so it does not hold every pod, ConfigMap and Service of the cluster.
// Everything the builders produce carries the label, and so do the member pods.
func CacheByObject() map[client.Object]cache.ByObject {
	managed := labels.SelectorFromSet(labels.Set{specs.LabelManagedBy: specs.ManagedBy})
	out := map[client.Object]cache.ByObject{}
	for _, obj := range []client.Object{
		&appsv1.StatefulSet{}, &corev1.ConfigMap{}, &corev1.Service{}, &policyv1.PodDisruptionBudget{},
		&corev1.ServiceAccount{}, &corev1.Pod{}, &corev1.Secret{},
	} {
		out[obj] = cache.ByObject{Label: managed}
	}
	return out
}
