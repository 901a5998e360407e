package specs

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// ConfigMap holds the members' zoo.cfg under ZooCfgKey, with its ConfigHash in the
// AnnotationConfigHash annotation (pass that to StatefulSet).
func ConfigMap(zke *v1alpha1.ZKEnsemble, opts Options) (*corev1.ConfigMap, error) {
	cfg, err := ZooCfg(zke, opts)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: objectMeta(zke, ConfigMapName(zke)),
		Data:       map[string]string{ZooCfgKey: cfg},
	}
	cm.Annotations = map[string]string{AnnotationConfigHash: ConfigHash(cfg)}
	return cm, nil
}
