// Package controllers holds the ZKEnsemble reconciler: the thin shell that turns a ZKEnsemble
// into the objects pkg/specs builds and reports what the members say about themselves.
//
// One reconcile is a fixed sequence (STYLE.md rule 6), one file per step:
//
//	observe.go   read the ZKEnsemble's StatefulSet and member pods once, ask every member for
//	             srvr/mntr (pkg/observe), into an observed struct
//	desired.go   pure: the objects the spec asks for (pkg/specs builders), in apply order
//	decide.go    pure: the next step (apply the desired objects, or only report)
//	apply.go     server-side apply of the desired objects with field owner FieldOwner, one
//	             event per object created or changed
//	tls.go       read spec.tls's Secret (through APIReader: the cache holds only labelled
//	             Secrets); specs.CheckTLSSecret decides whether it is usable, and a spec whose
//	             Secret is not is reported like one that does not build (nothing applied)
//	status.go    pure: status and the four conditions from what was observed and done; the
//	             one status patch; events for transitions (leader change, quorum lost, ...)
//
// Rolling restarts, leader transfer and reconfig-driven scaling are future decisions in
// decide.go: they read the same observation and add steps; nothing else changes shape.
//
// Callers must: register the API and client-go types in the manager's scheme, give the
// Reconciler a client, an events recorder and specs.Options (DefaultImage is the operator's own
// image), build the manager's cache with CacheByObject so it only holds objects the operator
// labels, and call SetupWithManager. The reconciler never panics; errors requeue with backoff,
// and every reconcile requeues after RequeueAfter to refresh the member observation.
package controllers
