package specs

import (
	"fmt"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/topology"
)

// Object names. The StatefulSet, PDB and ServiceAccount share the ensemble's name; the CRD
// limits it to 52 characters so "<name>-headless" and the StatefulSet's revision label fit.

func StatefulSetName(zke *v1alpha1.ZKEnsemble) string         { return zke.Name }
func HeadlessServiceName(zke *v1alpha1.ZKEnsemble) string     { return zke.Name + "-headless" }
func ClientServiceName(zke *v1alpha1.ZKEnsemble) string       { return zke.Name + "-client" }
func ConfigMapName(zke *v1alpha1.ZKEnsemble) string           { return zke.Name + "-config" }
func PodDisruptionBudgetName(zke *v1alpha1.ZKEnsemble) string { return zke.Name }
func ServiceAccountName(zke *v1alpha1.ZKEnsemble) string      { return zke.Name }

// PodName is the name of the member pod with this ordinal.
func PodName(zke *v1alpha1.ZKEnsemble, ordinal int) string {
	return topology.PodName(StatefulSetName(zke), ordinal)
}

// MemberHost is the stable DNS name of member ordinal through the headless Service:
// <name>-<ord>.<name>-headless.<ns>.svc.<clusterDomain>. It resolves before the pod is ready
// because the headless Service publishes not-ready addresses.
func MemberHost(zke *v1alpha1.ZKEnsemble, ordinal int, clusterDomain string) string {
	return fmt.Sprintf("%s.%s.%s.svc.%s", PodName(zke, ordinal), HeadlessServiceName(zke), zke.Namespace, clusterDomain)
}
