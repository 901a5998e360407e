package specs

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// resolve returns a copy of zke's spec with the CRD's defaults filled into empty fields. An
// object read from the apiserver already has them; objects built in code (tests, a future CLI
// that renders manifests) may not, and the builders must agree with the CRD either way.
func resolve(zke *v1alpha1.ZKEnsemble, opts Options) (v1alpha1.ZKEnsembleSpec, error) {
	if zke == nil {
		return v1alpha1.ZKEnsembleSpec{}, fmt.Errorf("%w: nil ZKEnsemble", ErrInvalidSpec)
	}
	if zke.Name == "" || zke.Namespace == "" {
		return v1alpha1.ZKEnsembleSpec{}, fmt.Errorf("%w: name and namespace are required (got %q/%q)", ErrInvalidSpec, zke.Namespace, zke.Name)
	}
	s := *zke.Spec.DeepCopy()
	if s.Replicas == 0 {
		s.Replicas = v1alpha1.DefaultReplicas
	}
	if s.Replicas < 1 || s.Replicas > v1alpha1.MaxReplicas {
		return s, fmt.Errorf("%w: replicas %d must be 1..%d", ErrInvalidSpec, s.Replicas, v1alpha1.MaxReplicas)
	}
	if s.Image == "" {
		s.Image = opts.DefaultImage
	}
	if s.Image == "" {
		return s, fmt.Errorf("%w: spec.image is empty and the operator has no default image", ErrInvalidSpec)
	}
	if s.Storage.Size == nil {
		size := resource.MustParse(v1alpha1.DefaultStorageSize)
		s.Storage.Size = &size
	}
	if s.Storage.Size.Sign() <= 0 {
		return s, fmt.Errorf("%w: storage.size %s must be positive", ErrInvalidSpec, s.Storage.Size)
	}
	if s.Storage.WhenScaled == "" {
		s.Storage.WhenScaled = v1alpha1.DefaultRetentionRule
	}
	if s.Storage.WhenDeleted == "" {
		s.Storage.WhenDeleted = v1alpha1.DefaultRetentionRule
	}
	if s.Pod.AntiAffinity == "" {
		s.Pod.AntiAffinity = v1alpha1.DefaultAntiAffinity
	}
	if s.ClientService.Type == "" {
		s.ClientService.Type = v1alpha1.DefaultServiceType
	}
	for _, p := range []struct {
		port *int32
		def  int32
	}{
		{&s.Ports.Client, v1alpha1.DefaultClientPort},
		{&s.Ports.Quorum, v1alpha1.DefaultQuorumPort},
		{&s.Ports.Election, v1alpha1.DefaultElectionPort},
		{&s.Ports.Metrics, v1alpha1.DefaultMetricsPort},
	} {
		if *p.port == 0 {
			*p.port = p.def
		}
	}
	if err := resolveTLS(&s); err != nil {
		return s, err
	}
	return s, nil
}
