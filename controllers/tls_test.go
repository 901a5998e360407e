package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

// TestTLSSecretNotReady: a missing TLS Secret stops the apply, says why in Degraded and
// Progressing, and the Degraded transition is a Warning event naming the Secret.
func TestTLSSecretNotReady(t *testing.T) {
	zke := ensemble()
	zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"}
	checkErr := specs.CheckTLSSecret(zke, nil)
	if !errors.Is(checkErr, specs.ErrTLSSecret) {
		t.Fatalf("CheckTLSSecret(missing) = %v", checkErr)
	}
	if d := decide(decisionInput{BuildErr: checkErr}); d.Step != StepReport {
		t.Errorf("decide = %s; nothing may be applied without the Secret", d.Step)
	}
	prev := computeStatus(base(nil))
	next := computeStatus(base(func(in *statusInput) { in.Prev, in.BuildErr, in.ConfigHash = prev, checkErr, "" }))
	for typ, want := range map[v1alpha1.ConditionType]metav1.ConditionStatus{
		v1alpha1.ConditionDegraded: metav1.ConditionTrue, v1alpha1.ConditionProgressing: metav1.ConditionFalse,
	} {
		c := meta.FindStatusCondition(next.Conditions, typ.String())
		if c == nil || c.Status != want || c.Reason != v1alpha1.ReasonTLSSecretNotReady.String() {
			t.Errorf("%s = %+v; want %s TLSSecretNotReady", typ, c, want)
		}
	}
	if next.ConfigHash != prev.ConfigHash {
		t.Errorf("configHash %q; want the last one given to members, %q", next.ConfigHash, prev.ConfigHash)
	}
	var found bool
	for _, e := range transitionEvents(prev, next) {
		if e.Reason == v1alpha1.ReasonTLSSecretNotReady.String() {
			found = e.Type == corev1.EventTypeWarning && strings.Contains(e.Note, "ns/zk-tls")
		}
	}
	if !found {
		t.Errorf("events %+v; want a Warning TLSSecretNotReady naming ns/zk-tls", transitionEvents(prev, next))
	}
}

// TestReadTLSSecret: the Secret is read through APIReader (the cache holds only the operator's
// own Secrets); not found is nil, not an error.
func TestReadTLSSecret(t *testing.T) {
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	zke := ensemble()
	zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: zke.Namespace, Name: "zk-tls"},
		Data: map[string][]byte{"tls.key": []byte("k"), "tls.crt": []byte("c"), "ca.crt": []byte("a")}}
	empty := fake.NewClientBuilder().WithScheme(scheme).Build()
	withSecret := fake.NewClientBuilder().WithScheme(scheme).WithObjects(secret).Build()

	r := &Reconciler{Client: empty, APIReader: withSecret}
	got, err := r.readTLSSecret(context.Background(), zke)
	if err != nil || got == nil || string(got.Data["ca.crt"]) != "a" {
		t.Errorf("through APIReader: %v, %v; want the Secret", got, err)
	}
	r = &Reconciler{Client: withSecret, APIReader: empty}
	if got, err := r.readTLSSecret(context.Background(), zke); err != nil || got != nil {
		t.Errorf("APIReader without it: %v, %v; want nil, nil (the cached client is not asked)", got, err)
	}
}
