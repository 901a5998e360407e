package specs

// Options are the operator-wide settings the builders need besides the ZKEnsemble.
type Options struct {
	// ClusterDomain is the cluster's DNS domain, used in the members' host names in server.N
	// lines. Default "cluster.local".
	ClusterDomain string
	// DefaultImage is the image members run when spec.image is empty: the operator's own image,
	// since one binary holds operator and server.
	DefaultImage string
}

// DefaultClusterDomain is Kubernetes' default cluster domain.
const DefaultClusterDomain = "cluster.local"

func (o Options) clusterDomain() string {
	if o.ClusterDomain == "" {
		return DefaultClusterDomain
	}
	return o.ClusterDomain
}
