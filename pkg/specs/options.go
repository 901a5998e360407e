package specs

// Options are the operator-wide settings the builders need besides the ZKEnsemble.
type Options struct {
	// ClusterDomain is the cluster's DNS domain, used in the members' host names in server.N
	// lines. Default "cluster.local".
	ClusterDomain string
	// DefaultImage is the image members run when spec.image is empty: the operator's own image,
	// since one binary holds operator and server.
	DefaultImage string
	// Reconfig is the one switch between the two membership modes (membership.go). false
	// (the default, today's behaviour): a static zoo.cfg with one server line per replica and
	// reconfigEnabled=false; a replicas change rewrites it and takes effect as members restart.
	// true: reconfigEnabled=true, the server lines in a dynamic config file the members own,
	// a super-user digest, and the StatefulSet sized by the operator's membership steps.
	// Nothing sets it yet: it stays false until our server supports reconfig, then the
	// operator command's specs.Options (pkg/cmd/operator.go) sets Reconfig: true.
	Reconfig bool
}

// DefaultClusterDomain is Kubernetes' default cluster domain.
const DefaultClusterDomain = "cluster.local"

func (o Options) clusterDomain() string {
	if o.ClusterDomain == "" {
		return DefaultClusterDomain
	}
	return o.ClusterDomain
}
