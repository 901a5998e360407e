// Package reconfig proves the operator's membership plan (pkg/reconfig: Decide and Client)
// against Apache ZooKeeper 3.8 ensembles with reconfigEnabled=true on loopback: a small loop
// stands in for the reconciler and the pods, starting and stopping Apache members when the
// plan asks for a pod and issuing the plan's conditional reconfigs, while a writer keeps
// writing. It needs Debian's zookeeper packages (hack/install-test-deps.sh) and skips without
// them, or with -short.
package reconfig
