package specs

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/tlsconfig"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// TLS on the client port (spec.tls): the members read the key, certificate and CA straight
// from a read-only mount of the user's Secret, so a rotated Secret (cert-manager renews it in
// place) reaches them through the kubelet's volume refresh and pkg/tlsconfig's re-read, with no
// restart. Nothing here reads the Secret's content: the zoo.cfg and the pod template name
// paths and the Secret's name only, so the config hash does not change with a rotation.
const (
	// TLSDir is where spec.tls's Secret is mounted. Not below ConfigDir: that mount is read-only,
	// and a mount point inside it would have to be created in the ConfigMap's volume.
	TLSDir = "/etc/zkensemble-tls"
	// The keys of a Kubernetes TLS Secret (kubernetes.io/tls) plus cert-manager's ca.crt.
	TLSKeyKey  = corev1.TLSPrivateKeyKey // "tls.key"
	TLSCertKey = corev1.TLSCertKey       // "tls.crt"
	TLSCAKey   = "ca.crt"

	// PortNameTLSClient names the secure client port on the container and both Services.
	PortNameTLSClient = "tls-client"

	volumeTLS = "tls"
	// tlsFileMode: owner and group may read (the group is the pod's fsGroup, which the member's
	// user belongs to); others may not read the private key.
	tlsFileMode int32 = 0o440
)

// TLSSecretKeys are the keys spec.tls's Secret must hold: the key and certificate, and the CA
// unless no client certificate is asked for. Nil without spec.tls.
func TLSSecretKeys(zke *v1alpha1.ZKEnsemble) []string {
	if zke == nil || zke.Spec.TLS == nil {
		return nil
	}
	keys := []string{TLSKeyKey, TLSCertKey}
	if tlsClientAuth(zke.Spec.TLS) != v1alpha1.ClientAuthNone {
		keys = append(keys, TLSCAKey)
	}
	return keys
}

// CheckTLSSecret says why secret (nil: not found) cannot serve zke's spec.tls, or nil. Pure:
// the caller reads the Secret. It looks at which keys hold something, not at the certificate
// (the member checks that at start and logs it): a missing Secret or key would otherwise leave
// a pod waiting for its volume with no word in the ZKEnsemble's status.
func CheckTLSSecret(zke *v1alpha1.ZKEnsemble, secret *corev1.Secret) error {
	if zke == nil || zke.Spec.TLS == nil {
		return nil
	}
	name := zke.Namespace + "/" + zke.Spec.TLS.SecretName
	if secret == nil {
		return fmt.Errorf("%w: Secret %s (spec.tls.secretName) does not exist", ErrTLSSecret, name)
	}
	var missing []string
	for _, k := range TLSSecretKeys(zke) {
		if len(secret.Data[k]) == 0 {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		why := ""
		if slices.Contains(missing, TLSCAKey) {
			why = " (ca.crt verifies client certificates; set spec.tls.clientAuth: none to serve without it)"
		}
		return fmt.Errorf("%w: Secret %s (spec.tls.secretName) lacks %s%s", ErrTLSSecret, name, strings.Join(missing, ", "), why)
	}
	return nil
}

func tlsClientAuth(t *v1alpha1.TLSSpec) v1alpha1.TLSClientAuth {
	if t.ClientAuth == "" {
		return v1alpha1.DefaultClientAuth
	}
	return t.ClientAuth
}

// resolveTLS fills spec.tls's defaults and checks what the CRD checks, for objects built in code.
func resolveTLS(s *v1alpha1.ZKEnsembleSpec) error {
	t := s.TLS
	if t == nil {
		return nil
	}
	if t.SecretName == "" {
		return fmt.Errorf("%w: tls.secretName is empty", ErrInvalidSpec)
	}
	t.ClientAuth = tlsClientAuth(t)
	switch t.ClientAuth {
	case v1alpha1.ClientAuthNone, v1alpha1.ClientAuthWant, v1alpha1.ClientAuthNeed:
	default:
		return fmt.Errorf("%w: tls.clientAuth %q: want none, want or need", ErrInvalidSpec, t.ClientAuth)
	}
	if t.Port == 0 {
		t.Port = v1alpha1.DefaultSecurePort
	}
	taken := []int32{s.Ports.Client, s.Ports.Quorum, s.Ports.Election}
	if s.Metrics.Enabled {
		taken = append(taken, s.Ports.Metrics)
	}
	if slices.Contains(taken, t.Port) {
		return fmt.Errorf("%w: tls.port %d is another port of the member", ErrInvalidSpec, t.Port)
	}
	return nil
}

// applyTLS writes the secure client port keys into c: ZooKeeper's own (secureClientPort and
// ssl.*, read by pkg/tlsconfig), so the same zoo.cfg would configure Apache ZooKeeper but for
// the key store, which is a comma-separated list of PEM files (zkensemble reads them as one
// store; ZooKeeper wants key and chain in one file).
func applyTLS(c *zoocfg.Config, t *v1alpha1.TLSSpec) {
	if t == nil {
		return
	}
	c.SecureClientPort = int(t.Port)
	if c.Other == nil {
		c.Other = map[string]string{}
	}
	c.Other[tlsconfig.KeyStoreLocation] = TLSDir + "/" + TLSKeyKey + "," + TLSDir + "/" + TLSCertKey
	c.Other[tlsconfig.KeyStoreType] = "PEM"
	c.Other[tlsconfig.ClientAuthKey] = string(t.ClientAuth)
	if t.ClientAuth != v1alpha1.ClientAuthNone {
		c.Other[tlsconfig.TrustStoreLocation] = TLSDir + "/" + TLSCAKey
		c.Other[tlsconfig.TrustStoreType] = "PEM"
	}
}

// tlsVolume and tlsMount put spec.tls's Secret at TLSDir, read-only.
func tlsVolume(t *v1alpha1.TLSSpec) corev1.Volume {
	mode := tlsFileMode
	return corev1.Volume{Name: volumeTLS, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: t.SecretName, DefaultMode: &mode,
	}}}
}

func tlsMount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: volumeTLS, MountPath: TLSDir, ReadOnly: true}
}
