// Package specs holds the pure builders of the Kubernetes objects a ZKEnsemble owns: the zoo.cfg
// and its ConfigMap, the headless and client Services, the StatefulSet, the
// PodDisruptionBudget and the ServiceAccount, plus the names, labels, selectors and owner
// reference they share. Each builder is a function of the ZKEnsemble and Options only: no
// client, no clock, no randomness, so the reconciler can compare desired with observed objects
// and the tests can pin every field (STYLE.md: CloudNativePG's pkg/specs).
//
// zoo.cfg is produced by pkg/zoocfg, the package the server parses it with (STYLE.md rule 4);
// server ids come from pkg/topology (myid = ordinal + 1), which the server uses to derive its
// own id from its pod name.
//
// spec.tls (tls.go) adds the secure client port: ZooKeeper's ssl.* keys in zoo.cfg pointing at a
// read-only mount of the user's Secret. No builder takes the Secret's content, so a rotated
// certificate changes no object and rolls no member; CheckTLSSecret is the one function that
// looks at a Secret (which keys it has), for the reconciler to report and wait.
//
// Callers must: pass an object that went through the apiserver (CRD defaults applied) or accept
// the fallbacks in defaults.go; set Options.DefaultImage to the operator's own image; build the
// ConfigMap first and pass its ConfigHash to StatefulSet, so a zoo.cfg change reaches the pod
// template (the StatefulSet uses OnDelete: the reconciler decides when each member restarts);
// set the owner reference returned by OwnerReference on nothing but objects in zke's namespace.
package specs
