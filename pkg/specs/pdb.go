package specs

import (
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// PodDisruptionBudget lets voluntary disruptions (node drains) take one member at a time.
//
// maxUnavailable: 1 rather than minAvailable: quorum. For 3 members they are the same; for 5
// and 7, minAvailable = quorum would let a drain take 2 (or 3) members at once and leave the
// ensemble one failure away from stopping, while one at a time keeps the tolerance of all but
// one member. maxUnavailable also follows spec.replicas without recomputation, and with one
// member it lets drains proceed (the user chose no redundancy) where minAvailable: 1 would
// block them forever.
//
// unhealthyPodEvictionPolicy AlwaysAllow: an unready member is not serving, so evicting it
// costs nothing, and under the default a crash-looping member would use the budget and block
// every drain (Kubernetes docs, "Unhealthy Pod Eviction Policy").
func PodDisruptionBudget(zke *v1alpha1.ZKEnsemble, opts Options) (*policyv1.PodDisruptionBudget, error) {
	if _, err := resolve(zke, opts); err != nil {
		return nil, err
	}
	maxUnavailable := intstr.FromInt32(1)
	alwaysAllow := policyv1.AlwaysAllow
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: objectMeta(zke, PodDisruptionBudgetName(zke)),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             &maxUnavailable,
			Selector:                   &metav1.LabelSelector{MatchLabels: SelectorLabels(zke)},
			UnhealthyPodEvictionPolicy: &alwaysAllow,
		},
	}, nil
}
