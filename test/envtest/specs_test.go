package envtest

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

// TestBuiltObjectsAccepted: the apiserver's own validation (port name lengths, label syntax,
// probe and affinity shapes, PDB and StatefulSet rules) accepts every object pkg/specs builds
// for a defaulted ZKEnsemble. Server-side dry run: no controllers run here to act on them.
func TestBuiltObjectsAccepted(t *testing.T) {
	ctx := needCluster(t)
	ns := namespace(ctx, t)
	for _, edit := range []func(*v1alpha1.ZKEnsemble){
		func(z *v1alpha1.ZKEnsemble) {},
		func(z *v1alpha1.ZKEnsemble) {
			z.Name = "big-one"
			z.Spec.Replicas = 7
			z.Spec.Metrics.Enabled = true
			z.Spec.Pod.AntiAffinity = v1alpha1.AntiAffinityRequired
			z.Spec.ClientService.Type = corev1.ServiceTypeNodePort
			z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"maxClientCnxns": "0"}
			z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "big-one-tls"} // the Secret volume and tls-client ports
		},
	} {
		zke := minimal(ns, "zk")
		edit(zke)
		if err := k8sClient.Create(ctx, zke); err != nil {
			t.Fatal(err)
		}
		opts := specs.Options{DefaultImage: "ghcr.io/zkensemble/zkensemble:test"}
		cm, err := specs.ConfigMap(zke, opts)
		if err != nil {
			t.Fatal(err)
		}
		sts, err := specs.StatefulSet(zke, opts, cm.Annotations[specs.AnnotationConfigHash])
		if err != nil {
			t.Fatal(err)
		}
		headless, err := specs.HeadlessService(zke, opts)
		if err != nil {
			t.Fatal(err)
		}
		clientSvc, err := specs.ClientService(zke, opts)
		if err != nil {
			t.Fatal(err)
		}
		pdb, err := specs.PodDisruptionBudget(zke, opts)
		if err != nil {
			t.Fatal(err)
		}
		sa, err := specs.ServiceAccount(zke, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range []client.Object{cm, sts, headless, clientSvc, pdb, sa} {
			if err := k8sClient.Create(ctx, obj, client.DryRunAll); err != nil {
				t.Errorf("%s %T refused: %v", zke.Name, obj, err)
			}
		}
	}
}
