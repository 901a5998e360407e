// Package e2e tests `make run` end to end: hack/run-local.sh brings up the local Kubernetes
// cluster (hack/local-cluster.sh), the zkensemble operator and a 3-member ZKEnsemble, and the
// test checks what a user would see and do (kubectl output, one leader, clients writing through
// one member and reading through another, zkCli.sh, a follower pod deleted and back with its
// data), then, on the same cluster (steps_test.go): zkCli.sh and kazoo through the client
// Service's EndpointSlices, the leader pod deleted under acknowledged writes with none lost,
// ZKEnsembles deleted with their owned objects collected and PVCs kept or removed per
// whenDeleted, and the operator installed by its Helm chart as a pod managing a new ensemble.
// It then tears everything down and checks no process or listener is left.
//
// It needs root on Linux and the control-plane tools of hack/kube-tools.sh; it skips without
// them, and fails instead under CI=true. It builds its own zkensemble binary unless
// ZKE_BINARY names one, uses a state dir and a pod /24 of its own, and is bounded to ~6 minutes.
package e2e
