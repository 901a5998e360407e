// Package envtest checks the ZKEnsemble CRD against a real kube-apiserver and etcd (the ones
// hack/kube-tools.sh builds, started by controller-runtime's envtest): the generated schema
// installs, its defaults apply, and its CEL rules refuse what they should with the messages
// users will read.
//
// The CRD checks are plain `go test`. TestOperator is a ginkgo suite (operator_*_test.go,
// manifests_test.go, binary_test.go) that runs the ZKEnsemble reconciler in a manager in this
// process against the same apiserver, the built `zkensemble operator` binary, and kubectl/helm
// over the manifests (docs/operator.md, "Tests"). packaging_test.go checks the chart's CRD copy
// and the Dockerfile without a cluster.
//
// Without the tools the cluster tests skip with the reason, unless the CI environment variable
// is set, in which case they fail: CI must not pass by skipping.
// Run: hack/kube-tools.sh install && go test ./test/envtest/
package envtest
