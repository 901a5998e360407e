package controllers

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

var testOpts = specs.Options{DefaultImage: "ghcr.io/zkensemble/zkensemble:test"}

func ensemble() *v1alpha1.ZKEnsemble {
	return &v1alpha1.ZKEnsemble{ObjectMeta: metav1.ObjectMeta{Name: "zk", Namespace: "ns", UID: "uid-1"}}
}

func TestBuildDesired(t *testing.T) {
	d, err := buildDesired(ensemble(), testOpts, specs.Membership{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range d.Objects {
		kinds = append(kinds, fmt.Sprintf("%T/%s", o, o.GetName()))
	}
	want := "*v1.ServiceAccount/zk *v1.ConfigMap/zk-config *v1.Service/zk-headless *v1.Service/zk-client *v1.PodDisruptionBudget/zk *v1.StatefulSet/zk"
	if strings.Join(kinds, " ") != want {
		t.Errorf("objects = %v\nwant %s", kinds, want)
	}
	sts := d.Objects[5].(*appsv1.StatefulSet)
	if d.ConfigHash == "" || sts.Spec.Template.Annotations[specs.AnnotationConfigHash] != d.ConfigHash {
		t.Errorf("config hash %q not in the pod template %v", d.ConfigHash, sts.Spec.Template.Annotations)
	}
}

func TestBuildDesiredErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*v1alpha1.ZKEnsemble)
		opts specs.Options
		want v1alpha1.ConditionReason
	}{
		{"no image", func(*v1alpha1.ZKEnsemble) {}, specs.Options{}, v1alpha1.ReasonInvalidSpec},
		{"owned key", func(z *v1alpha1.ZKEnsemble) { z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"dataDir": "/x"} }, testOpts, v1alpha1.ReasonInvalidSpec},
		{"bad value", func(z *v1alpha1.ZKEnsemble) { z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"tickTime": "abc"} }, testOpts, v1alpha1.ReasonInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := ensemble()
			tt.edit(zke)
			_, err := buildDesired(zke, tt.opts, specs.Membership{})
			if err == nil {
				t.Fatal("built")
			}
			if got := specReason(err); got != tt.want {
				t.Errorf("reason = %s, want %s (%v)", got, tt.want, err)
			}
		})
	}
	if got := specReason(fmt.Errorf("%w: Secret ns/x lacks tls.key", specs.ErrTLSSecret)); got != v1alpha1.ReasonTLSSecretNotReady {
		t.Errorf("TLS Secret error reads as %s, want TLSSecretNotReady", got)
	}
	if specReason(errors.New("other")) != v1alpha1.ReasonInvalidSpec {
		t.Error("unknown errors must read as InvalidSpec")
	}
}

// TestApplyConfiguration: the apply body of every built object names its kind and claims no
// status, no null and no server-managed metadata.
func TestApplyConfiguration(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	d, err := buildDesired(ensemble(), testOpts, specs.Membership{})
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range d.Objects {
		u, err := applyConfiguration(obj, scheme)
		if err != nil {
			t.Fatal(err)
		}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() != obj.GetName() || len(u.GetOwnerReferences()) != 1 {
			t.Errorf("%T: apply body %s/%s %s owners %v", obj, u.GetAPIVersion(), u.GetKind(), u.GetName(), u.GetOwnerReferences())
		}
		if _, ok := u.Object["status"]; ok {
			t.Errorf("%s: apply body has status", u.GetKind())
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case nil:
				t.Errorf("%s: null at %s", u.GetKind(), path)
			case map[string]any:
				for k, e := range x {
					if k == "status" {
						t.Errorf("%s: status at %s", u.GetKind(), path)
					}
					walk(path+"."+k, e)
				}
			case []any:
				for i, e := range x {
					walk(fmt.Sprintf("%s[%d]", path, i), e)
				}
			}
		}
		walk("", u.Object)
	}
	if _, err := applyConfiguration(&corev1.Pod{}, runtime.NewScheme()); err == nil {
		t.Error("object of an unregistered type accepted")
	}
}
