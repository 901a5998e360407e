// Package topology owns the mapping between a StatefulSet member and its ZooKeeper server id:
// the pod <set>-<ordinal> is server ordinal+1. The operator writes server.N lines with it
// (pkg/specs) and the server derives its myid from its pod name with it at start, so the two
// cannot disagree.
//
// It is pure string arithmetic with no Kubernetes dependency, so the server can import it.
// Callers must pass a pod name as Kubernetes gives it (the POD_NAME env var set from the
// downward API, or the hostname); the set name itself may contain dashes and digits.
package topology
