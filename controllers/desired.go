package controllers

import (
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/specs"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// desired is what the spec asks for, built purely by pkg/specs.
type desired struct {
	// ConfigHash of the zoo.cfg in the ConfigMap (and the pod template annotation).
	ConfigHash string
	// Objects in apply order: what the member pods refer to comes before the StatefulSet
	// (ServiceAccount, ConfigMap, headless Service), so pods never start against a missing one.
	Objects []client.Object
	// Warnings about spec.serverConfig keys that pkg/zoocfg accepts but doubts.
	Warnings []zoocfg.Warning
}

// buildDesired runs every builder. An error means the spec cannot be turned into objects; it
// wraps one of the pkg/specs sentinels (see specReason).
func buildDesired(zke *v1alpha1.ZKEnsemble, opts specs.Options, m specs.Membership) (desired, error) {
	_, warns, err := specs.ZooCfgConfigFor(zke, opts, m)
	if err != nil {
		return desired{}, err
	}
	cm, err := specs.ConfigMapFor(zke, opts, m)
	if err != nil {
		return desired{}, err
	}
	hash := cm.Annotations[specs.AnnotationConfigHash]
	sa, err := specs.ServiceAccount(zke, opts)
	if err != nil {
		return desired{}, err
	}
	headless, err := specs.HeadlessService(zke, opts)
	if err != nil {
		return desired{}, err
	}
	clientSvc, err := specs.ClientService(zke, opts)
	if err != nil {
		return desired{}, err
	}
	pdb, err := specs.PodDisruptionBudget(zke, opts)
	if err != nil {
		return desired{}, err
	}
	sts, err := specs.StatefulSetFor(zke, opts, hash, m)
	if err != nil {
		return desired{}, err
	}
	return desired{
		ConfigHash: hash,
		Objects:    []client.Object{sa, cm, headless, clientSvc, pdb, sts},
		Warnings:   warns,
	}, nil
}

// specReason is the Degraded reason for a builder error: InvalidConfig when zoo.cfg parsing
// refused serverConfig, TLSSecretNotReady when spec.tls's Secret is not usable, InvalidSpec for
// the rest (missing image, owned or malformed keys).
func specReason(err error) v1alpha1.ConditionReason {
	if errors.Is(err, specs.ErrInvalidConfig) {
		return v1alpha1.ReasonInvalidConfig
	}
	if errors.Is(err, specs.ErrTLSSecret) {
		return v1alpha1.ReasonTLSSecretNotReady
	}
	return v1alpha1.ReasonInvalidSpec
}
