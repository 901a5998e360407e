package specs

import (
	"maps"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// Label keys, from Kubernetes' recommended labels.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"

	// AppName is the value of LabelName on everything the operator creates.
	AppName = "zkensemble"
	// ManagedBy is the value of LabelManagedBy.
	ManagedBy = "zkensemble-operator"
	// ComponentMember marks member pods and the objects around them.
	ComponentMember = "member"
)

// AnnotationConfigHash on the pod template (and the ConfigMap) holds ConfigHash of the zoo.cfg
// the pods run; a change makes a new StatefulSet revision the reconciler rolls out.
const AnnotationConfigHash = "zkensemble.io/config-hash"

// SelectorLabels select the member pods of one ensemble. They never change over the life of an
// ensemble: a StatefulSet's selector is immutable.
func SelectorLabels(zke *v1alpha1.ZKEnsemble) map[string]string {
	return map[string]string{LabelName: AppName, LabelInstance: zke.Name}
}

// Selector is SelectorLabels as a labels.Selector (for list calls and status.selector).
func Selector(zke *v1alpha1.ZKEnsemble) labels.Selector {
	return labels.SelectorFromSet(SelectorLabels(zke))
}

// Labels are the labels of every object the operator creates for zke.
func Labels(zke *v1alpha1.ZKEnsemble) map[string]string {
	l := SelectorLabels(zke)
	l[LabelManagedBy] = ManagedBy
	l[LabelComponent] = ComponentMember
	return l
}

// merged returns user's entries overlaid with ours: a user label may add but never replace one
// the operator selects or tracks by.
func merged(user, ours map[string]string) map[string]string {
	out := make(map[string]string, len(user)+len(ours))
	maps.Copy(out, user)
	maps.Copy(out, ours)
	return out
}
