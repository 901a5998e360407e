package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// FieldOwner is the field manager of every server-side apply the operator sends: the fields
// it sets are recorded under this name in managedFields, and only those are its to correct.
const FieldOwner = "zkensemble-operator"

// Outcome is what one apply did to one object.
type Outcome int

const (
	Unchanged Outcome = iota
	Created
	Updated
)

func (o Outcome) String() string {
	switch o {
	case Unchanged:
		return "Unchanged"
	case Created:
		return "Created"
	case Updated:
		return "Updated"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// applied is the result of applying one object.
type applied struct {
	Kind, Name string
	Outcome    Outcome
}

// applyAll applies objs in order and stops at the first error: a later object may depend on
// an earlier one (the StatefulSet's pods mount the ConfigMap). Every create or change is an
// event on the ZKEnsemble with the object as related: the events API folds events with the
// same regarding, related and reason into one series, so without it the second object's
// "Created" would only bump the first one's count.
func (r *Reconciler) applyAll(ctx context.Context, zke *v1alpha1.ZKEnsemble, objs []client.Object) ([]applied, error) {
	var done []applied
	for _, obj := range objs {
		a, err := r.apply(ctx, obj)
		if err != nil {
			r.Recorder.Eventf(zke, obj, corev1.EventTypeWarning, "ApplyFailed", "Apply", "%s %s: %v", a.Kind, obj.GetName(), err)
			return done, err
		}
		if a.Outcome != Unchanged {
			r.Recorder.Eventf(zke, obj, corev1.EventTypeNormal, a.Outcome.String(), "Apply", "%s %s %s", a.Outcome, a.Kind, a.Name)
		}
		done = append(done, a)
	}
	return done, nil
}

// apply server-side applies obj with ForceOwnership: a field the operator sets and someone
// else changed (kubectl edit) is taken back, which is the drift correction; fields the
// operator does not set (a user's annotation, defaults the apiserver fills) are left alone.
// Created and Updated are told apart by the resourceVersion before and after: the apiserver
// does not write (nor bump it) when an apply changes nothing.
func (r *Reconciler) apply(ctx context.Context, obj client.Object) (applied, error) {
	gvk, err := apiutil.GVKForObject(obj, r.Client.Scheme())
	if err != nil {
		return applied{Name: obj.GetName()}, fmt.Errorf("apply %T: %w", obj, err)
	}
	a := applied{Kind: gvk.Kind, Name: obj.GetName()}
	before := &unstructured.Unstructured{}
	before.SetGroupVersionKind(gvk)
	err = r.Client.Get(ctx, client.ObjectKeyFromObject(obj), before)
	switch {
	case apierrors.IsNotFound(err):
		before = nil
	case err != nil:
		return a, fmt.Errorf("get %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	u, err := applyConfiguration(obj, r.Client.Scheme())
	if err != nil {
		return a, err
	}
	if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return a, fmt.Errorf("apply %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	switch {
	case before == nil:
		a.Outcome = Created
	case before.GetResourceVersion() != u.GetResourceVersion():
		a.Outcome = Updated
	}
	return a, nil
}

// applyConfiguration turns a typed object from pkg/specs into the body of an apply request:
// apiVersion and kind set, and nothing the builder did not mean to own. A typed object
// serializes zero values of fields without omitempty; of those, status (not ours: the
// controllers' and the kubelet's) and null timestamps would be claimed by the apply, so they
// are removed. Pure.
func applyConfiguration(obj client.Object, scheme *runtime.Scheme) (*unstructured.Unstructured, error) {
	gvk, err := apiutil.GVKForObject(obj, scheme)
	if err != nil {
		return nil, fmt.Errorf("apply %T: %w", obj, err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("apply %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	delete(m, "status")
	if tpls, ok, _ := unstructured.NestedSlice(m, "spec", "volumeClaimTemplates"); ok {
		for _, t := range tpls {
			if tm, ok := t.(map[string]any); ok {
				delete(tm, "status")
			}
		}
		if err := unstructured.SetNestedSlice(m, tpls, "spec", "volumeClaimTemplates"); err != nil {
			return nil, fmt.Errorf("apply %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
	}
	pruneNulls(m)
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	u.SetResourceVersion("")
	u.SetManagedFields(nil)
	return u, nil
}

// pruneNulls removes null values from an unstructured tree.
func pruneNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			pruneNulls(e)
		}
	case []any:
		for _, e := range t {
			pruneNulls(e)
		}
	}
}
