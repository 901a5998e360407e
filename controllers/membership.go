package controllers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/reconfig"
	"github.com/zkensemble/zkensemble/pkg/specs"
	"github.com/zkensemble/zkensemble/pkg/topology"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Dynamic membership (specs.Options.Reconfig): scaling and the leader transfer before a
// leader's restart are one reconfig (or one pod) at a time, decided by reconfig.Decide from
// this reconcile's observation; see pkg/reconfig's plan.go for the rules and
// docs/operator.md for why the transfer is a remove-and-add.

// MembershipClient is the I/O of dynamic membership; each call dials the servers given
// ("ip:port") and authenticates as the super user with password. DialMembership (pkg/reconfig)
// in production, a fake in tests.
type MembershipClient interface {
	Config(ctx context.Context, servers []string, password string) (reconfig.Config, error)
	Add(ctx context.Context, servers []string, password string, line zoocfg.ServerLine, fromVersion int64) error
	Remove(ctx context.Context, servers []string, password string, id, fromVersion int64) error
}

// DialMembership is the MembershipClient over pkg/reconfig, one session per call: a
// reconcile makes at most one read and one change, and a session kept between reconciles
// would outlive the pods it was dialled to.
type DialMembership struct{}

func (DialMembership) with(ctx context.Context, servers []string, password string, f func(*reconfig.Client) error) error {
	c, err := reconfig.Dial(ctx, servers, password)
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c)
}

func (d DialMembership) Config(ctx context.Context, servers []string, password string) (cfg reconfig.Config, err error) {
	err = d.with(ctx, servers, password, func(c *reconfig.Client) error {
		cfg, err = c.Config(ctx)
		return err
	})
	return cfg, err
}

func (d DialMembership) Add(ctx context.Context, servers []string, password string, line zoocfg.ServerLine, from int64) error {
	return d.with(ctx, servers, password, func(c *reconfig.Client) error { return c.Add(ctx, line, from) })
}

func (d DialMembership) Remove(ctx context.Context, servers []string, password string, id, from int64) error {
	return d.with(ctx, servers, password, func(c *reconfig.Client) error { return c.Remove(ctx, id, from) })
}

// membership is what this reconcile knows of the dynamic membership.
type membership struct {
	Password    string
	SuperDigest string
	// Servers are the client addresses of the members that answered srvr.
	Servers []string
	Config  reconfig.Config
	// ConfigErr is set when the config could not be read.
	ConfigErr string
	// Pods is the StatefulSet's current replicas (spec.replicas before it exists).
	Pods int32
}

// superPassword reads the ensemble's super-user password, creating the Secret with a random
// one the first time. It is never regenerated while the Secret exists: the members' zoo.cfg
// holds its digest.
func (r *Reconciler) superPassword(ctx context.Context, zke *v1alpha1.ZKEnsemble, mayCreate bool) (string, error) {
	sec := &corev1.Secret{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: zke.Namespace, Name: specs.SuperSecretName(zke)}, sec)
	if err == nil {
		if p := string(sec.Data[specs.SuperPasswordKey]); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("secret %s has no %q", sec.Name, specs.SuperPasswordKey)
	}
	if !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("get super secret: %w", err)
	}
	if !mayCreate {
		return "", nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("super password: %w", err)
	}
	password := hex.EncodeToString(b)
	want, err := specs.SuperSecret(zke, password)
	if err != nil {
		return "", err
	}
	if err := r.Client.Create(ctx, want); err != nil {
		// Lost a race with another reconcile: the next one reads the winner's.
		return "", fmt.Errorf("create super secret: %w", err)
	}
	r.Recorder.Eventf(zke, want, corev1.EventTypeNormal, "Created", "Apply", "created Secret %s (super user for reconfig)", want.Name)
	return password, nil
}

// observeMembership reads the password, the StatefulSet size and the ensemble config.
func (r *Reconciler) observeMembership(ctx context.Context, zke *v1alpha1.ZKEnsemble, obs observed, replicas, clientPort int32, mayCreate bool) (membership, error) {
	m := membership{Pods: replicas}
	if obs.StatefulSet != nil && obs.StatefulSet.Spec.Replicas != nil {
		m.Pods = *obs.StatefulSet.Spec.Replicas
	}
	var err error
	if m.Password, err = r.superPassword(ctx, zke, mayCreate); err != nil {
		return m, err
	}
	if m.Password == "" {
		m.ConfigErr = "no super secret yet"
		return m, nil
	}
	m.SuperDigest = reconfig.SuperDigest(m.Password)
	m.Servers = memberServers(obs, clientPort)
	if len(m.Servers) == 0 {
		m.ConfigErr = "no member answers"
		return m, nil
	}
	cctx, cancel := context.WithTimeout(ctx, r.observeTimeout())
	defer cancel()
	if m.Config, err = r.membershipClient().Config(cctx, m.Servers, m.Password); err != nil {
		m.ConfigErr = err.Error()
	}
	return m, nil
}

func (r *Reconciler) membershipClient() MembershipClient {
	if r.Membership != nil {
		return r.Membership
	}
	return DialMembership{}
}

// memberServers are the client addresses of the members that answered srvr. Pure.
func memberServers(obs observed, clientPort int32) []string {
	ips := map[string]string{}
	for i := range obs.Pods {
		ips[obs.Pods[i].Name] = obs.Pods[i].Status.PodIP
	}
	var out []string
	for _, m := range obs.Members {
		if ip := ips[m.Pod]; m.Reachable && ip != "" {
			out = append(out, net.JoinHostPort(ip, strconv.Itoa(int(clientPort))))
		}
	}
	return out
}

// membershipInput turns the observation into reconfig.Decide's input. transferFrom is the
// server whose leadership must move (0: none). Pure.
func membershipInput(obs observed, m membership, replicas int32, transferFrom int64) reconfig.Input {
	in := reconfig.Input{Want: replicas, Config: m.Config, ConfigErr: m.ConfigErr, Pods: m.Pods, TransferFrom: transferFrom}
	pods := map[string]*corev1.Pod{}
	for i := range obs.Pods {
		pods[obs.Pods[i].Name] = &obs.Pods[i]
	}
	for _, om := range obs.Members {
		rm := reconfig.Member{ID: om.ID, Reachable: om.Reachable, Leader: om.Role == v1alpha1.RoleLeader}
		if p := pods[om.Pod]; p != nil {
			rm.PodExists, rm.Ready, rm.Deleting = true, podReady(p), p.DeletionTimestamp != nil
		}
		if rm.Leader {
			in.SyncedFollowers, in.SyncedNonVoting = om.SyncedFollowers, om.SyncedNonVotingFollowers
		}
		in.Members = append(in.Members, rm)
	}
	return in
}

// doMembershipStep performs a reconfig step (Grow and Shrink are the StatefulSet size the
// builders were given, applied with the other objects). A BadVersion or a lost answer is
// returned like any error: the next reconcile observes again and decides afresh.
func (r *Reconciler) doMembershipStep(ctx context.Context, zke *v1alpha1.ZKEnsemble, m membership, s reconfig.Step) error {
	cctx, cancel := context.WithTimeout(ctx, reconfigTimeout)
	defer cancel()
	switch s.Action {
	case reconfig.ActAdd:
		ord, err := topology.OrdinalOf(s.ID)
		if err != nil {
			return err
		}
		line, err := specs.MemberServerLine(zke, r.Options, ord)
		if err != nil {
			return err
		}
		if err := r.membershipClient().Add(cctx, m.Servers, m.Password, line, s.FromVersion); err != nil {
			return fmt.Errorf("add server %d: %w", s.ID, err)
		}
	case reconfig.ActRemove:
		if err := r.membershipClient().Remove(cctx, m.Servers, m.Password, s.ID, s.FromVersion); err != nil {
			return fmt.Errorf("remove server %d: %w", s.ID, err)
		}
	}
	return nil
}

// reconfigTimeout bounds one reconfig: dial, authenticate, and the two-phase commit of the new
// config by a quorum of the old and of the new one.
const reconfigTimeout = 15 * time.Second

// stepText is status.membershipStep for s: "" when there is nothing to do.
func stepText(s reconfig.Step) string {
	switch s.Action {
	case reconfig.ActNone:
		return ""
	case reconfig.ActWait:
		return "Wait: " + s.Why
	}
	return fmt.Sprintf("%s %d: %s", s.Action, s.ID, s.Why)
}

// purposeReason is the Progressing reason of a membership step.
func purposeReason(p reconfig.Purpose) v1alpha1.ConditionReason {
	switch p {
	case reconfig.PurposeScalingDown:
		return v1alpha1.ReasonScalingDown
	case reconfig.PurposeTransferringLeadership:
		return v1alpha1.ReasonTransferringLeadership
	}
	return v1alpha1.ReasonScalingUp
}

// withLeaderTransfer is the membership step of this reconcile: the plan's own step, or, when
// the plan has nothing to do and the roll's next restart is the leader of a multi-member
// ensemble, the transfer off it (reconfig it out; the plan adds it back next, and the roll
// then restarts it as a follower). Pure.
func withLeaderTransfer(step reconfig.Step, obs observed, m membership, replicas int32, roll restartInput) reconfig.Step {
	if step.Action != reconfig.ActNone || replicas < 2 {
		return step
	}
	next := decideRestart(roll)
	if next.Pod == "" || next.Role != v1alpha1.RoleLeader {
		return step
	}
	id, err := topology.MyIDFromPodName(next.Pod)
	if err != nil {
		return step
	}
	return reconfig.Decide(membershipInput(obs, m, replicas, id))
}

// membershipStatus is what the status reports of dynamic membership.
type membershipStatus struct {
	Step        reconfig.Step
	Config      reconfig.Config
	ConfigKnown bool
}

// actMembership performs step and records the event that says so. Wait and None do nothing.
func (r *Reconciler) actMembership(ctx context.Context, zke *v1alpha1.ZKEnsemble, m membership, s reconfig.Step) error {
	switch s.Action {
	case reconfig.ActNone, reconfig.ActWait:
		return nil
	case reconfig.ActAdd, reconfig.ActRemove:
		if err := r.doMembershipStep(ctx, zke, m, s); err != nil {
			return err
		}
	}
	// Grow and Shrink were applied with the StatefulSet's replicas.
	log.FromContext(ctx).Info("membership step", "action", s.Action.String(), "server", s.ID,
		"fromVersion", fmt.Sprintf("%x", s.FromVersion), "purpose", s.Purpose.String(), "why", s.Why)
	// The member's pod is the event's related object and the step its action: the events
	// recorder folds events with the same regarding, related, reason and action into one
	// series (keeping the first note), which made "Grow 5" disappear behind "Grow 4".
	member := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: zke.Namespace,
		Name: topology.PodName(specs.StatefulSetName(zke), int(s.ID-1))}
	r.Recorder.Eventf(zke, member, corev1.EventTypeNormal, s.Purpose.String(), s.Action.String(), "%s", stepText(s))
	return nil
}
