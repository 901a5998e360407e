package specs

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Dynamic membership (Options.Reconfig). The members run with reconfigEnabled=true and keep
// their membership in DynamicConfigPath on their own data volume, which the server rewrites
// after every reconfig (ZooKeeper's dynamic reconfiguration guide: the dynamic file is the
// server's, not the administrator's). zoo.cfg in the ConfigMap then holds only static keys,
// so scaling does not change it and does not roll the members. A member whose volume has no
// dynamic file yet (a new pod) starts from DynamicSeedKey: the members 1..Pods, that is the
// current members plus itself as a participant, as the guide says a joiner must start.
// Changes are reconfigs by the operator as ZooKeeper's super user (pkg/reconfig), whose
// digest is in zoo.cfg and whose password is in the SuperSecret; ACL checks are never skipped.
const (
	// DynamicConfigPath is zoo.cfg's dynamicConfigFile with Options.Reconfig.
	DynamicConfigPath = DataDir + "/zoo.cfg.dynamic"
	// DynamicSeedKey is the ConfigMap key (and file under ConfigDir) of the initial dynamic
	// config: what a member copies to DynamicConfigPath when that does not exist.
	DynamicSeedKey = "zoo.cfg.dynamic.seed"
	// SuperPasswordKey is the key of the super user's password in the SuperSecret.
	SuperPasswordKey = "password"
)

// Membership are the per-ensemble inputs of the builders with Options.Reconfig; they come
// from the operator's observation and state, not from the spec.
type Membership struct {
	// SuperDigest is DigestAuthenticationProvider.superDigest (reconfig.SuperDigest of the
	// SuperSecret's password). Required with Options.Reconfig.
	SuperDigest string
	// Pods is the number of member pods the StatefulSet runs, decided one step at a time by
	// the membership plan; 0 means spec.replicas (a new ensemble starts whole).
	Pods int32
}

func (m Membership) pods(replicas int32) int32 {
	if m.Pods > 0 {
		return m.Pods
	}
	return replicas
}

// apply sets the dynamic-membership keys of c.
func (m Membership) apply(c *zoocfg.Config) error {
	if m.SuperDigest == "" {
		return fmt.Errorf("%w: dynamic membership needs the super user's digest", ErrInvalidSpec)
	}
	if m.Pods < 0 || m.Pods > v1alpha1.MaxReplicas {
		return fmt.Errorf("%w: member pods %d outside 0..%d", ErrInvalidSpec, m.Pods, v1alpha1.MaxReplicas)
	}
	c.ReconfigEnabled = true
	c.DynamicConfigFile = DynamicConfigPath
	c.SuperDigest = m.SuperDigest
	return nil
}

// DynamicSeed is the text of DynamicSeedKey: c's server lines, without a version (a joiner
// takes the leader's committed config, with its version, when it connects).
func DynamicSeed(c *zoocfg.Config) string {
	d := zoocfg.Dynamic{Servers: c.Servers}
	return string(d.Marshal())
}

// SuperSecretName is the Secret holding the super user's password of zke.
func SuperSecretName(zke *v1alpha1.ZKEnsemble) string { return zke.Name + "-super" }

// SuperSecret holds password under SuperPasswordKey. The operator generates the password once
// per ensemble (crypto/rand) and keeps it; the builder is pure and takes it as an argument.
func SuperSecret(zke *v1alpha1.ZKEnsemble, password string) (*corev1.Secret, error) {
	if _, err := resolve(zke, Options{DefaultImage: "unused"}); err != nil {
		return nil, err
	}
	if strings.TrimSpace(password) == "" {
		return nil, fmt.Errorf("%w: empty super password", ErrInvalidSpec)
	}
	return &corev1.Secret{
		ObjectMeta: objectMeta(zke, SuperSecretName(zke)),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{SuperPasswordKey: []byte(password)},
	}, nil
}
