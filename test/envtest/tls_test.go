package envtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

// TestTLSValidation: spec.tls's schema and CEL rules, and the serverConfig keys spec.tls owns.
func TestTLSValidation(t *testing.T) {
	ctx := needCluster(t)
	ns := namespace(ctx, t)

	zke := minimal(ns, "tls-defaults")
	zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"}
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatal(err)
	}
	if got := *zke.Spec.TLS; got.ClientAuth != v1alpha1.DefaultClientAuth || got.Port != v1alpha1.DefaultSecurePort {
		t.Errorf("tls defaults = %+v; want clientAuth %s, port %d", got, v1alpha1.DefaultClientAuth, v1alpha1.DefaultSecurePort)
	}

	cfg := func(k string) func(*v1alpha1.ZKEnsemble) {
		return func(z *v1alpha1.ZKEnsemble) { z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{k: "x"} }
	}
	tls := func(edit func(*v1alpha1.TLSSpec)) func(*v1alpha1.ZKEnsemble) {
		return func(z *v1alpha1.ZKEnsemble) {
			z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"}
			edit(z.Spec.TLS)
		}
	}
	tests := []struct {
		name string
		edit func(*v1alpha1.ZKEnsemble)
		want string // a substring of the apiserver's message; "" = accepted
	}{
		{"no secretName", tls(func(s *v1alpha1.TLSSpec) { s.SecretName = "" }), "spec.tls.secretName"},
		{"secretName not a name", tls(func(s *v1alpha1.TLSSpec) { s.SecretName = "Zk_TLS" }), "spec.tls.secretName: Invalid value"},
		{"clientAuth unknown", tls(func(s *v1alpha1.TLSSpec) { s.ClientAuth = "required" }), `Unsupported value: "required"`},
		{"port is the client port", tls(func(s *v1alpha1.TLSSpec) { s.Port = 2181 }), "tls.port must differ from ports.client"},
		{"port is the election port", tls(func(s *v1alpha1.TLSSpec) { s.Port = 3888 }), "tls.port must differ from ports.client"},
		{"port is the metrics port", func(z *v1alpha1.ZKEnsemble) {
			tls(func(s *v1alpha1.TLSSpec) { s.Port = 7000 })(z)
			z.Spec.Metrics.Enabled = true
		}, "tls.port must differ from ports.client"},
		{"port out of range", tls(func(s *v1alpha1.TLSSpec) { s.Port = 70000 }), "should be less than or equal to 65535"},
		{"owned ssl.keyStore.location", cfg("ssl.keyStore.location"), "zoo.cfg key ssl.keyStore.location is set by the operator"},
		{"owned ssl.trustStore.type", cfg("ssl.trustStore.type"), "zoo.cfg key ssl.trustStore.type is set by the operator"},
		{"owned ssl.clientAuth", cfg("ssl.clientAuth"), "zoo.cfg key ssl.clientAuth is set by the operator"},
		{"owned secureClientPort", cfg("secureClientPort"), "zoo.cfg key secureClientPort is set by the operator"},
		{"owned secureClientPortAddress", cfg("secureClientPortAddress"), "zoo.cfg key secureClientPortAddress is set by the operator"},
		// Accepted: what the user may tune, and a port that is free while metrics are off.
		{"ssl.enabledProtocols is the user's", cfg("ssl.enabledProtocols"), ""},
		{"X509AuthenticationProvider.superUser is the user's", cfg("X509AuthenticationProvider.superUser"), ""},
		{"port 7000 without metrics", tls(func(s *v1alpha1.TLSSpec) { s.Port = 7000 }), ""},
		{"clientAuth none", tls(func(s *v1alpha1.TLSSpec) { s.ClientAuth = v1alpha1.ClientAuthNone }), ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := minimal(ns, fmt.Sprintf("tls-%d", i))
			tt.edit(zke)
			err := k8sClient.Create(ctx, zke)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("accepted: %+v", zke.Spec)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("refused with %q; want a message containing %q", err, tt.want)
			}
		})
	}

	// Adding spec.tls to a stored ensemble goes through the same rules.
	zke = minimal(ns, "tls-later")
	if err := k8sClient.Create(ctx, zke); err != nil {
		t.Fatal(err)
	}
	zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls", Port: zke.Spec.Ports.Quorum}
	if err := k8sClient.Update(ctx, zke); err == nil || !strings.Contains(err.Error(), "tls.port must differ") {
		t.Errorf("update with tls.port = ports.quorum: %v", err)
	}
}

var _ = Describe("ZKEnsemble with spec.tls", func() {
	It("waits for its TLS Secret, says why, then mounts it; a rotation changes nothing it applies", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		DeferCleanup(cancel)
		ns := newNamespace(ctx)
		zke := minimal(ns, "zk")
		zke.Spec.Replicas = 1
		zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"}
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		key := client.ObjectKeyFromObject(zke)

		By("no Secret: Degraded, a Warning event, nothing applied")
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionTrue, v1alpha1.ReasonTLSSecretNotReady)
		expectCondition(ctx, key, v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonTLSSecretNotReady)
		Expect(meta.FindStatusCondition(getEnsemble(ctx, key).Status.Conditions, "Degraded").Message).
			To(ContainSubstring("Secret " + ns + "/zk-tls (spec.tls.secretName) does not exist"))
		Eventually(func() []string { return eventReasons(ctx, key) }).WithTimeout(waitFor).WithPolling(poll).
			Should(ContainElement(HavePrefix("Warning/TLSSecretNotReady")))
		err := k8sClient.Get(ctx, key, &appsv1.StatefulSet{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "StatefulSet without its TLS Secret: %v", err)

		By("a Secret without ca.crt: the message names the key")
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "zk-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.key": []byte("key-1"), "tls.crt": []byte("cert-1")}}
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		Eventually(func() string {
			c := meta.FindStatusCondition(getEnsemble(ctx, key).Status.Conditions, "Degraded")
			return c.Reason + ": " + c.Message
		}).WithTimeout(waitFor).WithPolling(poll).Should(HavePrefix("TLSSecretNotReady: specs: TLS Secret not usable: Secret " + ns + "/zk-tls (spec.tls.secretName) lacks ca.crt"))

		By("ca.crt added: the objects are applied, with the Secret mounted and the port on both Services")
		secret.Data["ca.crt"] = []byte("ca-1")
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionFalse, v1alpha1.ReasonAsExpected)
		expectObjects(ctx, key)
		sts := stsOf(ctx, key)
		Expect(sts.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("Name", "tls")))
		for _, name := range []string{specs.HeadlessServiceName(zke), specs.ClientServiceName(zke)} {
			svc := &corev1.Service{}
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, svc)).To(Succeed())
			Expect(svc.Spec.Ports).To(ContainElement(HaveField("Name", specs.PortNameTLSClient)), name)
		}
		cm := &corev1.ConfigMap{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ConfigMapName(zke)}, cm)).To(Succeed())
		Expect(cm.Data[specs.ZooCfgKey]).To(ContainSubstring("secureClientPort=2182"))

		By("rotating the Secret's content: the StatefulSet and ConfigMap stay as they are")
		stsVersion, cmVersion := sts.ResourceVersion, cm.ResourceVersion
		secret.Data = map[string][]byte{"tls.key": []byte("key-2"), "tls.crt": []byte("cert-2"), "ca.crt": []byte("ca-1")}
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		// The reconciler requeues every second here; several passes must change nothing.
		Consistently(func() []string {
			cm := &corev1.ConfigMap{}
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.ConfigMapName(zke)}, cm)).To(Succeed())
			return []string{stsOf(ctx, key).ResourceVersion, cm.ResourceVersion}
		}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal([]string{stsVersion, cmVersion}))

		By("the Secret deleted: Degraded again, the running objects are kept")
		Expect(k8sClient.Delete(ctx, secret)).To(Succeed())
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionTrue, v1alpha1.ReasonTLSSecretNotReady)
		Expect(stsOf(ctx, key).ResourceVersion).To(Equal(stsVersion))
	})
})
