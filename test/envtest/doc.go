// Package envtest checks the ZKEnsemble CRD against a real kube-apiserver and etcd (the ones
// hack/kube-tools.sh builds, started by controller-runtime's envtest): the generated schema
// installs, its defaults apply, and its CEL rules refuse what they should with the messages
// users will read.
//
// Tests are plain `go test` (no ginkgo). Without the tools they skip with the reason, unless the
// CI environment variable is set, in which case they fail: CI must not pass by skipping.
// Run: hack/kube-tools.sh install && go test ./test/envtest/
package envtest
