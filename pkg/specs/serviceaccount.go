package specs

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// ServiceAccount is the identity of the member pods. Members do not call the Kubernetes API,
// so no token is mounted; the account exists so users can bind policies (PSP successors,
// image pull secrets, workload identity) to the ensemble alone.
func ServiceAccount(zke *v1alpha1.ZKEnsemble, opts Options) (*corev1.ServiceAccount, error) {
	if _, err := resolve(zke, opts); err != nil {
		return nil, err
	}
	no := false
	return &corev1.ServiceAccount{
		ObjectMeta:                   objectMeta(zke, ServiceAccountName(zke)),
		AutomountServiceAccountToken: &no,
	}, nil
}
