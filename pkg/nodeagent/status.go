package nodeagent

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StatusInput is the observed state of one pod on the agent.
type StatusInput struct {
	Pod             *corev1.Pod
	PodIP, HostIP   string
	StartTime       time.Time // when the agent accepted the pod; zero = not yet
	SandboxReady    bool      // IP allocated and volumes prepared
	InitStatuses    []corev1.ContainerStatus
	InitDone        bool // every init container succeeded
	Statuses        []corev1.ContainerStatus
	Reason, Message string // a pod-level failure (unsupported image, bad volume)
	Failed          bool   // the pod will not run (Reason says why)
	Now             time.Time
}

// BuildPodStatus computes the pod status kubelet would report for in: phase, the PodScheduled,
// PodReadyToStartContainers, Initialized, ContainersReady and Ready conditions (transition
// times kept from the pod's previous status when a condition did not change), pod IPs and the
// container statuses. Pure.
func BuildPodStatus(in StatusInput) corev1.PodStatus {
	pod := in.Pod
	st := corev1.PodStatus{
		Phase:                 podPhase(in),
		HostIP:                in.HostIP,
		PodIP:                 in.PodIP,
		Reason:                in.Reason,
		Message:               in.Message,
		QOSClass:              pod.Status.QOSClass,
		InitContainerStatuses: in.InitStatuses,
		ContainerStatuses:     in.Statuses,
	}
	if in.HostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: in.HostIP}}
	}
	if in.PodIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: in.PodIP}}
	}
	if !in.StartTime.IsZero() {
		t := metav1.NewTime(in.StartTime)
		st.StartTime = &t
	}
	allReady := len(in.Statuses) > 0
	for _, c := range in.Statuses {
		allReady = allReady && c.Ready
	}
	cond := func(t corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, LastTransitionTime: metav1.NewTime(in.Now)}
		if ok {
			c.Status = corev1.ConditionTrue
			c.Reason = ""
		}
		for _, old := range pod.Status.Conditions {
			if old.Type == t && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		return c
	}
	initialized, initReason := in.InitDone, "ContainersNotInitialized"
	if len(pod.Spec.InitContainers) == 0 {
		initialized = true
	}
	terminal := st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed
	readyReason := "ContainersNotReady"
	if terminal {
		readyReason = "PodCompleted"
		allReady = false
	}
	st.Conditions = []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, in.SandboxReady && !terminal, ""),
		cond(corev1.PodInitialized, initialized, initReason),
		cond(corev1.ContainersReady, allReady, readyReason),
		cond(corev1.PodReady, allReady, readyReason),
		cond(corev1.PodScheduled, true, ""),
	}
	return st
}

// podPhase follows kubelet's getPhase: Pending until init containers finish and every
// container has started once; Running while any container runs or will be restarted;
// Succeeded / Failed when all are terminated and the restart policy ends the pod.
func podPhase(in StatusInput) corev1.PodPhase {
	if in.Failed {
		return corev1.PodFailed
	}
	policy := in.Pod.Spec.RestartPolicy
	if len(in.Pod.Spec.InitContainers) > 0 && !in.InitDone {
		if policy == corev1.RestartPolicyNever {
			for _, s := range in.InitStatuses {
				if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
					return corev1.PodFailed
				}
			}
		}
		return corev1.PodPending
	}
	if len(in.Statuses) == 0 {
		return corev1.PodPending
	}
	running, waiting, succeeded, failed, neverStarted := 0, 0, 0, 0, 0
	for _, s := range in.Statuses {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			} else {
				failed++
			}
		default:
			if s.LastTerminationState.Terminated != nil {
				waiting++ // back-off before a restart
			} else {
				neverStarted++
			}
		}
	}
	switch {
	case neverStarted > 0:
		return corev1.PodPending
	case running > 0 || waiting > 0:
		return corev1.PodRunning
	case policy == corev1.RestartPolicyAlways || policy == "":
		return corev1.PodRunning // everything exited and will be restarted
	case failed == 0:
		return corev1.PodSucceeded
	case policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	}
	return corev1.PodRunning // OnFailure: failed containers restart
}
