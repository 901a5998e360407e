package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// tlsSecretRequeueAfter is how soon a reconcile looks again for a missing or incomplete TLS
// Secret. The operator does not watch Secrets it does not own (that would cache every Secret
// of the cluster), so this poll is how it notices the Secret cert-manager creates.
const tlsSecretRequeueAfter = 10 * time.Second

// readTLSSecret reads spec.tls's Secret from the apiserver; nil when it does not exist. Only
// which keys it holds is looked at (specs.CheckTLSSecret): its content goes into no object and
// no hash, so a rotation changes nothing the operator applies.
func (r *Reconciler) readTLSSecret(ctx context.Context, zke *v1alpha1.ZKEnsemble) (*corev1.Secret, error) {
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	s := &corev1.Secret{}
	err := reader.Get(ctx, types.NamespacedName{Namespace: zke.Namespace, Name: zke.Spec.TLS.SecretName}, s)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read TLS Secret %s/%s: %w", zke.Namespace, zke.Spec.TLS.SecretName, err)
	}
	return s, nil
}
