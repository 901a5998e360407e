package nodeagent

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/fake"
)

func TestDesiredEndpointSlices(t *testing.T) {
	app := map[string]string{"app": "zk"}
	withPort := func(p *corev1.Pod, name string, port int32) *corev1.Pod {
		p.Spec.NodeName = "local"
		p.Spec.Containers = []corev1.Container{{Name: "zk", Ports: []corev1.ContainerPort{{Name: name, ContainerPort: port}}}}
		return p
	}
	zk0 := withPort(testPod("ns", "zk-0", "127.1.0.1", true, app, "zk-headless"), "client", 2181)
	zk1 := withPort(testPod("ns", "zk-1", "127.1.0.2", false, app, "zk-headless"), "client", 2181)
	zk2 := withPort(testPod("ns", "zk-2", "127.1.0.3", true, app, "zk-headless"), "client", 2181)
	now := metav1.Now()
	zk2.DeletionTimestamp = &now
	odd := withPort(testPod("ns", "zk-3", "127.1.0.4", true, app, "zk-headless"), "client", 3181) // other resolved port
	noIP := withPort(testPod("ns", "zk-4", "", true, app, "zk-headless"), "client", 2181)
	elsewhere := withPort(testPod("ns", "zk-5", "127.1.0.6", true, app, "zk-headless"), "client", 2181)
	elsewhere.Spec.NodeName = "other-node"
	done := withPort(testPod("ns", "zk-6", "127.1.0.7", true, app, "zk-headless"), "client", 2181)
	done.Status.Phase = corev1.PodSucceeded
	noPortName := withPort(testPod("ns", "zk-7", "127.1.0.8", true, app, "zk-headless"), "metrics", 7000)
	otherNS := withPort(testPod("ns2", "zk-0", "127.1.0.9", true, app, "zk-headless"), "client", 2181)

	client := testSvc("ns", "zk-client", false, false, app)
	client.UID = "svc-uid"
	client.Labels = map[string]string{"app.kubernetes.io/instance": "zk", discoveryv1.LabelManagedBy: "someone-else"}
	client.Spec.Ports = []corev1.ServicePort{{Name: "client", Port: 2181, TargetPort: intstr.FromString("client")}}
	headless := testSvc("ns", "zk-headless", true, true, app)
	headless.Spec.Ports = []corev1.ServicePort{{Name: "client", Port: 2181, TargetPort: intstr.FromInt32(2181)}}
	manual := testSvc("ns", "manual", false, false, nil) // no selector: Endpoints are the user's
	empty := testSvc("ns", "nobody", false, false, map[string]string{"app": "none"})

	got := DesiredEndpointSlices(EndpointSliceInput{NodeName: "local",
		Services: []*corev1.Service{client, headless, manual, empty},
		Pods:     []*corev1.Pod{zk0, zk1, zk2, odd, noIP, elsewhere, done, noPortName, otherNS}})

	type ep struct {
		addr                        string
		ready, serving, terminating bool
		hostname                    string
	}
	type want struct {
		svc  string
		port int32
		eps  []ep
	}
	wants := []want{
		{"zk-client", 2181, []ep{{"127.1.0.1", true, true, false, ""}, {"127.1.0.2", false, false, false, ""}, {"127.1.0.3", false, true, true, ""}}},
		{"zk-client", 3181, []ep{{"127.1.0.4", true, true, false, ""}}},
		// publishNotReadyAddresses: every endpoint ready; hostnames because subdomain names it;
		// a numeric targetPort needs no container port, so zk-7 is in.
		{"zk-headless", 2181, []ep{{"127.1.0.1", true, true, false, "zk-0"}, {"127.1.0.2", true, false, false, "zk-1"},
			{"127.1.0.3", true, true, true, "zk-2"}, {"127.1.0.4", true, true, false, "zk-3"}, {"127.1.0.8", true, true, false, "zk-7"}}},
	}
	matched := 0
	for _, w := range wants {
		for _, es := range got {
			if es.Labels[discoveryv1.LabelServiceName] != w.svc || *es.Ports[0].Port != w.port {
				continue
			}
			matched++
			if es.AddressType != discoveryv1.AddressTypeFQDN || es.Labels[discoveryv1.LabelManagedBy] != EndpointSliceManager || es.Namespace != "ns" {
				t.Errorf("%s: addressType %s labels %v ns %s", es.Name, es.AddressType, es.Labels, es.Namespace)
			}
			if w.svc == "zk-client" && es.Labels["app.kubernetes.io/instance"] != "zk" {
				t.Errorf("%s: Service labels not copied: %v", es.Name, es.Labels)
			}
			if _, headless := es.Labels[corev1.IsHeadlessService]; headless != (w.svc == "zk-headless") {
				t.Errorf("%s: headless label %v", es.Name, es.Labels)
			}
			if o := es.OwnerReferences; len(o) != 1 || o[0].Kind != "Service" || o[0].Name != w.svc || o[0].Controller == nil || !*o[0].Controller {
				t.Errorf("%s: owner references %+v", es.Name, o)
			}
			if len(es.Endpoints) != len(w.eps) {
				t.Fatalf("%s (%s:%d): %d endpoints, want %d: %+v", es.Name, w.svc, w.port, len(es.Endpoints), len(w.eps), es.Endpoints)
			}
			for i, e := range es.Endpoints {
				we := w.eps[i]
				h := ""
				if e.Hostname != nil {
					h = *e.Hostname
				}
				if e.Addresses[0] != we.addr || *e.Conditions.Ready != we.ready || *e.Conditions.Serving != we.serving ||
					*e.Conditions.Terminating != we.terminating || h != we.hostname || *e.NodeName != "local" || e.TargetRef.Kind != "Pod" {
					t.Errorf("%s endpoint %d: %s ready=%v serving=%v terminating=%v hostname=%q; want %+v",
						es.Name, i, e.Addresses[0], *e.Conditions.Ready, *e.Conditions.Serving, *e.Conditions.Terminating, h, we)
				}
				// The apiserver validates FQDN addresses with exactly this function
				// (k8s.io/kubernetes pkg/apis/discovery/validation, AddressTypeFQDN).
				if errs := validation.IsFullyQualifiedDomainName(field.NewPath("addresses"), e.Addresses[0]); len(errs) > 0 {
					t.Errorf("address %s would be refused: %v", e.Addresses[0], errs)
				}
			}
		}
	}
	if matched != len(wants) || len(got) != len(wants) {
		for _, es := range got {
			t.Logf("got %s/%s ports %v endpoints %d", es.Namespace, es.Name, *es.Ports[0].Port, len(es.Endpoints))
		}
		t.Fatalf("matched %d of %d slices, got %d", matched, len(wants), len(got))
	}
	// Names are stable (recomputation updates, not duplicates) and distinct per port set.
	again := DesiredEndpointSlices(EndpointSliceInput{NodeName: "local", Services: []*corev1.Service{client, headless}, Pods: []*corev1.Pod{zk0, odd}})
	names := map[string]bool{}
	for _, es := range got {
		names[es.Name] = true
	}
	for _, es := range again {
		if !names[es.Name] {
			t.Errorf("slice name %s not stable across recomputation (had %v)", es.Name, names)
		}
	}
	if len(names) != len(got) {
		t.Errorf("slice names collide: %v", names)
	}
	// No pods: no slices (stale ones are then deleted by the agent).
	if n := len(DesiredEndpointSlices(EndpointSliceInput{NodeName: "local", Services: []*corev1.Service{client}})); n != 0 {
		t.Errorf("%d slices without pods", n)
	}
}

func TestApplyEndpointSlices(t *testing.T) {
	app := map[string]string{"app": "zk"}
	svc := testSvc("ns", "zk-client", false, false, app)
	svc.Spec.Ports = []corev1.ServicePort{{Name: "client", Port: 2181, TargetPort: intstr.FromInt32(2181)}}
	pod := func(name, ip string) *corev1.Pod {
		p := testPod("ns", name, ip, true, app, "")
		p.Spec.NodeName = "local"
		return p
	}
	first := DesiredEndpointSlices(EndpointSliceInput{NodeName: "local", Services: []*corev1.Service{svc},
		Pods: []*corev1.Pod{pod("zk-0", "127.1.0.1")}})
	if len(first) != 1 {
		t.Fatalf("%d desired slices", len(first))
	}
	stale := first[0].DeepCopy()
	stale.Name = "gone-local-00000000"
	theirs := first[0].DeepCopy()
	theirs.Name = "zk-client-abcde"
	theirs.Labels[discoveryv1.LabelManagedBy] = "endpointslice-controller.k8s.io"
	client := fake.NewClientset(first[0], stale, theirs)
	ctx := context.Background()

	// A second pod: the same slice is updated; the stale one deleted; the controller's kept.
	second := DesiredEndpointSlices(EndpointSliceInput{NodeName: "local", Services: []*corev1.Service{svc},
		Pods: []*corev1.Pod{pod("zk-0", "127.1.0.1"), pod("zk-1", "127.1.0.2")}})
	if err := applyEndpointSlices(ctx, client, second); err != nil {
		t.Fatal(err)
	}
	all, err := client.DiscoveryV1().EndpointSlices("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, es := range all.Items {
		got[es.Name] = len(es.Endpoints)
	}
	if len(got) != 2 || got[first[0].Name] != 2 || got[theirs.Name] != 1 {
		t.Errorf("after apply: %v; want %s with 2 endpoints and %s untouched", got, first[0].Name, theirs.Name)
	}

	// Nothing changed: only the list, no writes.
	client.ClearActions()
	if err := applyEndpointSlices(ctx, client, second); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("unchanged slices caused %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}

	// No pods left: the agent's slice goes, the controller's stays.
	if err := applyEndpointSlices(ctx, client, nil); err != nil {
		t.Fatal(err)
	}
	all, _ = client.DiscoveryV1().EndpointSlices("ns").List(ctx, metav1.ListOptions{})
	if len(all.Items) != 1 || all.Items[0].Name != theirs.Name {
		t.Errorf("after the last pod: %d slices (%v)", len(all.Items), all.Items)
	}
}
