package specs

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// ConfigMap holds the members' zoo.cfg under ZooCfgKey, with its ConfigHash in the
// AnnotationConfigHash annotation (pass that to StatefulSet).
func ConfigMap(zke *v1alpha1.ZKEnsemble, opts Options) (*corev1.ConfigMap, error) {
	return ConfigMapFor(zke, opts, Membership{})
}

// ConfigMapFor is ConfigMap with the inputs of dynamic membership. With opts.Reconfig it also
// holds DynamicSeedKey, the membership a member starts from when its data volume has none yet;
// the hash covers zoo.cfg only, so a membership step does not make every member outdated.
func ConfigMapFor(zke *v1alpha1.ZKEnsemble, opts Options, m Membership) (*corev1.ConfigMap, error) {
	c, _, err := ZooCfgConfigFor(zke, opts, m)
	if err != nil {
		return nil, err
	}
	cfg := string(c.Marshal())
	cm := &corev1.ConfigMap{
		ObjectMeta: objectMeta(zke, ConfigMapName(zke)),
		Data:       map[string]string{ZooCfgKey: cfg},
	}
	if opts.Reconfig {
		cm.Data[DynamicSeedKey] = DynamicSeed(c)
	}
	cm.Annotations = map[string]string{AnnotationConfigHash: ConfigHash(cfg)}
	return cm, nil
}
