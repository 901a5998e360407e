// Package v1alpha1 holds the ZKEnsemble API (group zkensemble.io, version v1alpha1): the spec a
// user writes to ask for a ZooKeeper-compatible ensemble, the status the operator reports, the
// condition types and reasons it reports them with, and the zoo.cfg keys the operator owns.
//
// It owns types and static validation only. Defaults that can be stated statically live in
// +kubebuilder:default markers (mirrored by the Default* constants, which the builders in
// pkg/specs use for objects that did not pass through the apiserver); rules that can be checked
// without looking at the cluster are CEL rules (+kubebuilder:validation:XValidation) so the
// apiserver refuses a bad object before the operator sees it.
//
// Callers must: run `make generate` (controller-gen object) after changing a type, and
// `make manifests` (controller-gen crd) so config/crd matches; both are checked by
// `make verify-manifests`. Whoever edits OwnedConfigKeys or OwnedConfigKeyPrefixes must edit
// the CEL rule on ZKEnsembleSpec.ServerConfig in the same change (a test compares them).
//
// +kubebuilder:object:generate=true
// +groupName=zkensemble.io
package v1alpha1
