package specs

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

var testOpts = Options{DefaultImage: "ghcr.io/zkensemble/zkensemble:v0.1.0"}

// ensemble is a ZKEnsemble as the apiserver would return it before defaulting (so the
// builders' fallbacks are exercised), modified by edit.
func ensemble(edit func(*v1alpha1.ZKEnsemble)) *v1alpha1.ZKEnsemble {
	zke := &v1alpha1.ZKEnsemble{
		ObjectMeta: metav1.ObjectMeta{Name: "zk", Namespace: "prod", UID: types.UID("0b5e-uid")},
	}
	if edit != nil {
		edit(zke)
	}
	return zke
}

// metaOf is the metadata accessors the common checks need.
type metaOf = interface {
	GetNamespace() string
	GetLabels() map[string]string
	GetOwnerReferences() []metav1.OwnerReference
}

func wrap[T metaOf](obj T, err error) (metaOf, error) { return obj, err }
