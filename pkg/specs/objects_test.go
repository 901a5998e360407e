package specs

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

func TestServices(t *testing.T) {
	tests := []struct {
		name          string
		edit          func(*v1alpha1.ZKEnsemble)
		headlessPorts []string
		clientType    corev1.ServiceType
	}{
		{"defaults", nil, []string{"client:2181", "quorum:2888", "election:3888"}, corev1.ServiceTypeClusterIP},
		{"metrics and load balancer", func(z *v1alpha1.ZKEnsemble) {
			z.Spec.Metrics.Enabled = true
			z.Spec.ClientService.Type = corev1.ServiceTypeLoadBalancer
		}, []string{"client:2181", "quorum:2888", "election:3888", "metrics:7000"}, corev1.ServiceTypeLoadBalancer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := ensemble(tt.edit)
			h, err := HeadlessService(zke, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if h.Name != "zk-headless" || h.Spec.ClusterIP != corev1.ClusterIPNone || !h.Spec.PublishNotReadyAddresses {
				t.Errorf("headless = %s clusterIP %q publishNotReady %v", h.Name, h.Spec.ClusterIP, h.Spec.PublishNotReadyAddresses)
			}
			var got []string
			for _, p := range h.Spec.Ports {
				got = append(got, p.Name+":"+itoa(p.Port))
				if p.TargetPort.StrVal != p.Name {
					t.Errorf("port %s targets %v, want the container port name", p.Name, p.TargetPort)
				}
			}
			if !reflect.DeepEqual(got, tt.headlessPorts) {
				t.Errorf("headless ports = %v, want %v", got, tt.headlessPorts)
			}
			c, err := ClientService(zke, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != "zk-client" || c.Spec.Type != tt.clientType || c.Spec.PublishNotReadyAddresses ||
				len(c.Spec.Ports) != 1 || c.Spec.Ports[0].Port != 2181 {
				t.Errorf("client service = %+v", c.Spec)
			}
			for _, s := range []*corev1.Service{h, c} {
				if !reflect.DeepEqual(s.Spec.Selector, SelectorLabels(zke)) {
					t.Errorf("%s selector = %v", s.Name, s.Spec.Selector)
				}
			}
		})
	}
}

func TestClientServiceUserMetadata(t *testing.T) {
	zke := ensemble(func(z *v1alpha1.ZKEnsemble) {
		z.Spec.ClientService.Labels = map[string]string{"expose": "yes", LabelName: "other"}
		z.Spec.ClientService.Annotations = map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
	})
	c, err := ClientService(zke, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels["expose"] != "yes" || c.Labels[LabelName] != AppName || c.Annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] != "true" {
		t.Errorf("labels %v annotations %v", c.Labels, c.Annotations)
	}
}

func TestPodDisruptionBudget(t *testing.T) {
	for _, replicas := range []int32{1, 3, 5, 7} {
		zke := ensemble(func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = replicas })
		pdb, err := PodDisruptionBudget(zke, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
			t.Errorf("replicas %d: maxUnavailable %v minAvailable %v, want 1 and unset", replicas, pdb.Spec.MaxUnavailable, pdb.Spec.MinAvailable)
		}
		if *pdb.Spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow {
			t.Errorf("unhealthyPodEvictionPolicy = %v", *pdb.Spec.UnhealthyPodEvictionPolicy)
		}
		if !reflect.DeepEqual(pdb.Spec.Selector.MatchLabels, SelectorLabels(zke)) {
			t.Errorf("selector = %v", pdb.Spec.Selector)
		}
	}
}

func TestConfigMap(t *testing.T) {
	zke := ensemble(nil)
	cm, err := ConfigMap(zke, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ZooCfg(zke, testOpts)
	if cm.Name != "zk-config" || cm.Data[ZooCfgKey] != want || cm.Annotations[AnnotationConfigHash] != ConfigHash(want) {
		t.Errorf("configmap = %+v", cm)
	}
	// A serverConfig change must change the hash, or members would never restart into it.
	zke2 := ensemble(func(z *v1alpha1.ZKEnsemble) {
		z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"maxClientCnxns": "100"}
	})
	cm2, err := ConfigMap(zke2, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if cm2.Annotations[AnnotationConfigHash] == cm.Annotations[AnnotationConfigHash] {
		t.Error("config hash did not change with serverConfig")
	}
}

func TestServiceAccount(t *testing.T) {
	sa, err := ServiceAccount(ensemble(nil), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if sa.Name != "zk" || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("service account = %+v", sa)
	}
}

// Every builder refuses an ensemble without a namespace the same way, and every object carries
// the common labels and the controlling owner reference.
func TestCommonMetadata(t *testing.T) {
	type builder func(*v1alpha1.ZKEnsemble) (metaOf, error)
	builders := map[string]builder{
		"ConfigMap":           func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(ConfigMap(z, testOpts)) },
		"HeadlessService":     func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(HeadlessService(z, testOpts)) },
		"ClientService":       func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(ClientService(z, testOpts)) },
		"PodDisruptionBudget": func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(PodDisruptionBudget(z, testOpts)) },
		"ServiceAccount":      func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(ServiceAccount(z, testOpts)) },
		"StatefulSet":         func(z *v1alpha1.ZKEnsemble) (metaOf, error) { return wrap(StatefulSet(z, testOpts, "h")) },
	}
	for name, b := range builders {
		t.Run(name, func(t *testing.T) {
			if _, err := b(ensemble(func(z *v1alpha1.ZKEnsemble) { z.Namespace = "" })); !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("no namespace: err = %v, want ErrInvalidSpec", err)
			}
			obj, err := b(ensemble(nil))
			if err != nil {
				t.Fatal(err)
			}
			if obj.GetNamespace() != "prod" {
				t.Errorf("namespace = %q", obj.GetNamespace())
			}
			for k, v := range Labels(ensemble(nil)) {
				if obj.GetLabels()[k] != v {
					t.Errorf("label %s = %q, want %q", k, obj.GetLabels()[k], v)
				}
			}
			refs := obj.GetOwnerReferences()
			if len(refs) != 1 || refs[0].APIVersion != "zkensemble.io/v1alpha1" || refs[0].Kind != "ZKEnsemble" ||
				refs[0].Name != "zk" || !*refs[0].Controller || !*refs[0].BlockOwnerDeletion {
				t.Errorf("owner references = %+v", refs)
			}
		})
	}
}

func TestSelectorString(t *testing.T) {
	if got := Selector(ensemble(nil)).String(); got != "app.kubernetes.io/instance=zk,app.kubernetes.io/name=zkensemble" {
		t.Errorf("selector = %q", got)
	}
}
