package specs

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// OwnerReference makes zke the controlling owner of an object, so the garbage collector
// deletes it with zke and the reconciler's watches map it back. apiVersion and kind come from
// the API package, not zke.TypeMeta, which a typed client leaves empty.
func OwnerReference(zke *v1alpha1.ZKEnsemble) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion:         v1alpha1.GroupVersion.String(),
		Kind:               v1alpha1.Kind,
		Name:               zke.Name,
		UID:                zke.UID,
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}

// objectMeta is the metadata every built object starts from.
func objectMeta(zke *v1alpha1.ZKEnsemble, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       zke.Namespace,
		Labels:          Labels(zke),
		OwnerReferences: []metav1.OwnerReference{OwnerReference(zke)},
	}
}
