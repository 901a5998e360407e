package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every type in this package.
	GroupVersion = schema.GroupVersion{Group: "zkensemble.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this package to a scheme (the operator's manager calls it).
	AddToScheme = SchemeBuilder.AddToScheme
)

// Kind is the kind of the ZKEnsemble resource, used where an object's TypeMeta may be empty
// (owner references built from a typed object read through a client).
const Kind = "ZKEnsemble"
