// Package localcluster tests hack/local-cluster.sh end to end: the real control plane from
// hack/kube-tools.sh plus `zkensemble nodeagent`, running a StatefulSet of `zkensemble server`
// pods as local processes. The test needs root and the built tools; it skips without them
// unless CI=true, where it fails.
package localcluster
