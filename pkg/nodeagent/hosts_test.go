package nodeagent

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func testPod(ns, name, ip string, ready bool, lbl map[string]string, subdomain string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "/" + name), Labels: lbl},
		Spec:       corev1.PodSpec{Hostname: name, Subdomain: subdomain},
		Status:     corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	return p
}

func testSvc(ns, name string, headless, publishNotReady bool, sel map[string]string) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Selector: sel, PublishNotReadyAddresses: publishNotReady, ClusterIP: "10.96.0.10"}}
	if headless {
		s.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return s
}

func TestRenderHosts(t *testing.T) {
	app := map[string]string{"app": "zk"}
	zk0 := testPod("ns", "zk-0", "127.1.0.1", true, app, "zk-hs")
	zk1 := testPod("ns", "zk-1", "127.1.0.2", false, app, "zk-hs")
	zk2 := testPod("ns", "zk-2", "", false, app, "zk-hs") // no IP yet: left out
	other := testPod("other", "o-0", "127.1.0.9", true, map[string]string{"app": "o"}, "o-hs")
	gone := testPod("ns", "zk-3", "127.1.0.4", true, app, "zk-hs")
	now := metav1.Now()
	gone.DeletionTimestamp = &now
	pods := []*corev1.Pod{zk0, zk1, zk2, other, gone}

	tests := []struct {
		name     string
		services []*corev1.Service
		self     *corev1.Pod
		selfIP   string
		want     []string
		wantNot  []string
	}{
		{
			name:     "headless publishNotReady lists every pod with an IP",
			services: []*corev1.Service{testSvc("ns", "zk-hs", true, true, app)},
			self:     zk0, selfIP: "127.1.0.1",
			want: []string{
				"127.1.0.1\tzk-0.zk-hs.ns.svc.cluster.local\tzk-0\n",
				"127.1.0.1\tzk-0.zk-hs.ns.svc.cluster.local\n",
				"127.1.0.2\tzk-1.zk-hs.ns.svc.cluster.local\n",
				"127.1.0.2\tzk-1.zk-hs\n",
				"127.1.0.1\tzk-hs.ns.svc.cluster.local\n",
				"127.1.0.2\tzk-hs.ns.svc.cluster.local\n",
			},
			wantNot: []string{"zk-2.zk-hs", "127.1.0.4"},
		},
		{
			name:     "headless without publishNotReady hides unready pods",
			services: []*corev1.Service{testSvc("ns", "zk-hs", true, false, app)},
			self:     zk0, selfIP: "127.1.0.1",
			want:    []string{"127.1.0.1\tzk-0.zk-hs.ns.svc.cluster.local\n"},
			wantNot: []string{"127.1.0.2\t"},
		},
		{
			name:     "cluster IP service maps to ready pods, no pod names",
			services: []*corev1.Service{testSvc("ns", "zk-client", false, true, app)},
			self:     zk1, selfIP: "127.1.0.2",
			want:    []string{"127.1.0.1\tzk-client.ns.svc.cluster.local\n", "127.1.0.1\tzk-client\n"},
			wantNot: []string{"127.1.0.2\tzk-client", "zk-0.zk-client"},
		},
		{
			name:     "other namespace: full names only",
			services: []*corev1.Service{testSvc("other", "o-hs", true, false, map[string]string{"app": "o"})},
			self:     zk0, selfIP: "127.1.0.1",
			want:    []string{"127.1.0.9\to-0.o-hs.other.svc.cluster.local\n"},
			wantNot: []string{"\to-hs\n", "\to-0.o-hs\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(RenderHosts(HostsInput{Self: tt.self, SelfIP: tt.selfIP, Services: tt.services, Pods: pods}))
			if !strings.HasPrefix(got, "# Kubernetes-managed hosts file") || !strings.Contains(got, "127.0.0.1\tlocalhost\n") {
				t.Errorf("missing header:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in:\n%s", w, got)
				}
			}
			again := string(RenderHosts(HostsInput{Self: tt.self, SelfIP: tt.selfIP, Services: tt.services, Pods: pods}))
			if again != got {
				t.Error("rendering is not deterministic")
			}
		})
	}
}

func TestPodHostname(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("a", 62) + "-b-c"}}
	if got := PodHostname(p); got != strings.Repeat("a", 62) {
		t.Errorf("got %q", got)
	}
	p.Spec.Hostname = "h"
	if got := PodHostname(p); got != "h" {
		t.Errorf("got %q", got)
	}
}
