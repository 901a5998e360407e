package controllers

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/observe"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

func pod(name, ip string, ready bool, edit func(*corev1.Pod)) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{PodIP: ip}}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

func TestPodInfos(t *testing.T) {
	zke := &v1alpha1.ZKEnsemble{ObjectMeta: metav1.ObjectMeta{Name: "zk", Namespace: "ns"}}
	pods := memberPods(zke, []corev1.Pod{
		pod("zk-4", "10.0.0.5", false, nil), // left over by a scale-down to 3
		pod("zk-0", "10.0.0.1", true, nil),
		pod("zk-2", "", false, nil),
		pod("zk-copy-0", "10.0.0.9", true, nil), // not a pod of this StatefulSet
	})
	got := podInfos(zke, pods, 3)
	want := []observe.PodInfo{
		{Name: "zk-0", IP: "10.0.0.1", Ordinal: 0, Ready: true},
		{Name: "zk-1", Ordinal: 1, Missing: true},
		{Name: "zk-2", Ordinal: 2},
		{Name: "zk-4", IP: "10.0.0.5", Ordinal: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("podInfos\n got %+v\nwant %+v", got, want)
	}
}

func TestFailingAndOutdated(t *testing.T) {
	withHash := func(hash, rev string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Annotations = map[string]string{specs.AnnotationConfigHash: hash}
			p.Labels = map[string]string{appsv1.ControllerRevisionHashLabelKey: rev}
		}
	}
	crash := func(reason string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			withHash("h1", "r1")(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
		}
	}
	pods := []corev1.Pod{
		pod("zk-0", "", false, crash("CrashLoopBackOff")),
		pod("zk-1", "", false, crash("ContainerCreating")), // clears by itself
		pod("zk-2", "", true, withHash("h0", "r1")),        // older zoo.cfg
		pod("zk-3", "", true, withHash("h1", "r0")),        // older template (resources changed)
		pod("zk-4", "", true, withHash("h1", "r1")),
	}
	if got := failingPods(pods); !reflect.DeepEqual(got, []string{"zk-0: CrashLoopBackOff"}) {
		t.Errorf("failing = %v", got)
	}
	if got := outdatedPods(pods, "h1", "r1"); !reflect.DeepEqual(got, []string{"zk-2", "zk-3"}) {
		t.Errorf("outdated = %v", got)
	}
	// Before the StatefulSet controller reports a revision only the hash counts.
	if got := outdatedPods(pods, "h1", ""); !reflect.DeepEqual(got, []string{"zk-2"}) {
		t.Errorf("outdated without revision = %v", got)
	}
}

func TestPodToEnsemble(t *testing.T) {
	p := pod("zk-0", "", false, func(p *corev1.Pod) {
		p.Namespace = "ns"
		p.Labels = map[string]string{specs.LabelName: specs.AppName, specs.LabelInstance: "zk"}
	})
	got := podToEnsemble(t.Context(), &p)
	if len(got) != 1 || got[0].Namespace != "ns" || got[0].Name != "zk" {
		t.Errorf("podToEnsemble = %v", got)
	}
	p.Labels[specs.LabelName] = "other"
	if got := podToEnsemble(t.Context(), &p); got != nil {
		t.Errorf("foreign pod mapped to %v", got)
	}
}
