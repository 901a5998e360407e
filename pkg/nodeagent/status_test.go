package nodeagent

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "c", Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func exited(code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "c", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func backoff() corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}
}

func creating() corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
}

func TestBuildPodStatusPhase(t *testing.T) {
	tests := []struct {
		name      string
		policy    corev1.RestartPolicy
		init      bool
		initDone  bool
		initSt    []corev1.ContainerStatus
		statuses  []corev1.ContainerStatus
		failed    bool
		wantPhase corev1.PodPhase
		wantReady bool
	}{
		{"creating", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{creating()}, false, corev1.PodPending, false},
		{"running not ready", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{running(false)}, false, corev1.PodRunning, false},
		{"running ready", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{running(true), running(true)}, false, corev1.PodRunning, true},
		{"one of two ready", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{running(true), running(false)}, false, corev1.PodRunning, false},
		{"crash loop is running", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{backoff()}, false, corev1.PodRunning, false},
		{"never, exit 0", corev1.RestartPolicyNever, false, false, nil, []corev1.ContainerStatus{exited(0)}, false, corev1.PodSucceeded, false},
		{"never, exit 1", corev1.RestartPolicyNever, false, false, nil, []corev1.ContainerStatus{exited(1), exited(0)}, false, corev1.PodFailed, false},
		{"onfailure, exit 1 restarts", corev1.RestartPolicyOnFailure, false, false, nil, []corev1.ContainerStatus{exited(1)}, false, corev1.PodRunning, false},
		{"init pending", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{running(false)}, []corev1.ContainerStatus{creating()}, false, corev1.PodPending, false},
		{"init failed, never", corev1.RestartPolicyNever, true, false, []corev1.ContainerStatus{exited(2)}, []corev1.ContainerStatus{creating()}, false, corev1.PodFailed, false},
		{"pod-level failure", corev1.RestartPolicyAlways, false, false, nil, []corev1.ContainerStatus{creating()}, true, corev1.PodFailed, false},
	}
	now := time.Unix(2000, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: tt.policy}}
			if tt.init {
				pod.Spec.InitContainers = []corev1.Container{{Name: "i"}}
			}
			st := BuildPodStatus(StatusInput{Pod: pod, PodIP: "127.1.0.1", HostIP: "127.0.0.1", SandboxReady: true,
				InitStatuses: tt.initSt, InitDone: tt.initDone, Statuses: tt.statuses, Failed: tt.failed, Now: now})
			if st.Phase != tt.wantPhase {
				t.Errorf("phase = %s, want %s", st.Phase, tt.wantPhase)
			}
			if got := podReady(&corev1.Pod{Status: st}); got != tt.wantReady {
				t.Errorf("ready = %v, want %v", got, tt.wantReady)
			}
			if st.PodIP != "127.1.0.1" || len(st.PodIPs) != 1 || st.HostIP != "127.0.0.1" {
				t.Errorf("ips: %+v", st)
			}
		})
	}
}

func TestBuildPodStatusKeepsTransitionTimes(t *testing.T) {
	old := metav1.NewTime(time.Unix(100, 0))
	pod := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: old},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: old},
	}}}
	now := time.Unix(200, 0)
	st := BuildPodStatus(StatusInput{Pod: pod, Statuses: []corev1.ContainerStatus{running(false)}, Now: now})
	for _, c := range st.Conditions {
		switch c.Type {
		case corev1.PodReady: // flipped: new time
			if !c.LastTransitionTime.Equal(&metav1.Time{Time: now}) {
				t.Errorf("Ready transition = %v, want now", c.LastTransitionTime)
			}
		case corev1.PodScheduled: // unchanged: old time
			if !c.LastTransitionTime.Equal(&old) {
				t.Errorf("PodScheduled transition = %v, want old", c.LastTransitionTime)
			}
		}
	}
}
