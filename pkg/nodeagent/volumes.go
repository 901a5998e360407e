package nodeagent

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// File is one file of a projected volume (configMap, secret, downwardAPI, projected).
type File struct {
	Data []byte
	Mode os.FileMode
}

// TokenFunc issues a service-account token (the TokenRequest API in the agent).
type TokenFunc func(namespace, serviceAccount, audience string, expirationSeconds int64) (string, error)

// ProjectionInput is what projected volume contents are computed from.
type ProjectionInput struct {
	Pod     *corev1.Pod
	Runtime PodRuntimeInfo
	Objects Objects
	Token   TokenFunc // nil: serviceAccountToken sources fail
}

// defaultFileMode is kubelet's default for configMap/secret/downwardAPI/projected files.
const defaultFileMode os.FileMode = 0o644

func fileMode(item *int32, def *int32) os.FileMode {
	switch {
	case item != nil:
		return os.FileMode(*item) & 0o777
	case def != nil:
		return os.FileMode(*def) & 0o777
	}
	return defaultFileMode
}

// Project computes the files of a configMap, secret, downwardAPI or projected volume. It
// returns (nil, false, nil) for other volume types. Missing objects or keys are errors unless
// the source is optional, as in kubelet (an optional missing source projects nothing).
func Project(in ProjectionInput, v *corev1.Volume) (map[string]File, bool, error) {
	files := map[string]File{}
	var err error
	switch {
	case v.ConfigMap != nil:
		err = projectConfigMap(in, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, v.ConfigMap.DefaultMode, files)
	case v.Secret != nil:
		err = projectSecret(in, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, v.Secret.DefaultMode, files)
	case v.DownwardAPI != nil:
		err = projectDownward(in, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode, files)
	case v.Projected != nil:
		for _, s := range v.Projected.Sources {
			switch {
			case s.ConfigMap != nil:
				err = projectConfigMap(in, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, v.Projected.DefaultMode, files)
			case s.Secret != nil:
				err = projectSecret(in, s.Secret.Name, s.Secret.Items, s.Secret.Optional, v.Projected.DefaultMode, files)
			case s.DownwardAPI != nil:
				err = projectDownward(in, s.DownwardAPI.Items, v.Projected.DefaultMode, files)
			case s.ServiceAccountToken != nil:
				err = projectToken(in, s.ServiceAccountToken, v.Projected.DefaultMode, files)
			default:
				err = fmt.Errorf("%w: projected source of volume %q (only configMap, secret, downwardAPI, serviceAccountToken)", ErrUnsupported, v.Name)
			}
			if err != nil {
				break
			}
		}
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("volume %q: %w", v.Name, err)
	}
	for p := range files {
		if err := checkRelPath(p); err != nil {
			return nil, true, fmt.Errorf("volume %q: %w", v.Name, err)
		}
	}
	return files, true, nil
}

func projectKeys(data map[string][]byte, items []corev1.KeyToPath, optional *bool, def *int32, what string, files map[string]File) error {
	if len(items) == 0 {
		for k, d := range data {
			files[k] = File{Data: d, Mode: fileMode(nil, def)}
		}
		return nil
	}
	for _, it := range items {
		d, ok := data[it.Key]
		if !ok {
			if isOptional(optional) {
				continue
			}
			return fmt.Errorf("%w: %s has no key %q", ErrInvalidPod, what, it.Key)
		}
		files[it.Path] = File{Data: d, Mode: fileMode(it.Mode, def)}
	}
	return nil
}

func projectConfigMap(in ProjectionInput, name string, items []corev1.KeyToPath, optional *bool, def *int32, files map[string]File) error {
	cm, err := in.Objects.ConfigMap(in.Pod.Namespace, name)
	if err != nil {
		if isOptional(optional) {
			return nil
		}
		return fmt.Errorf("%w: configMap %q: %v", ErrInvalidPod, name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return projectKeys(data, items, optional, def, "configMap "+name, files)
}

func projectSecret(in ProjectionInput, name string, items []corev1.KeyToPath, optional *bool, def *int32, files map[string]File) error {
	s, err := in.Objects.Secret(in.Pod.Namespace, name)
	if err != nil {
		if isOptional(optional) {
			return nil
		}
		return fmt.Errorf("%w: secret %q: %v", ErrInvalidPod, name, err)
	}
	return projectKeys(s.Data, items, optional, def, "secret "+name, files)
}

func projectDownward(in ProjectionInput, items []corev1.DownwardAPIVolumeFile, def *int32, files map[string]File) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = FieldRef(in.Pod, in.Runtime, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			c := containerByName(in.Pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				err = fmt.Errorf("%w: downwardAPI %q: no container %q", ErrInvalidPod, it.Path, it.ResourceFieldRef.ContainerName)
			} else {
				v, err = ResourceFieldRef(c, it.ResourceFieldRef, nil)
			}
		}
		if err != nil {
			return err
		}
		files[it.Path] = File{Data: []byte(v), Mode: fileMode(it.Mode, def)}
	}
	return nil
}

func projectToken(in ProjectionInput, s *corev1.ServiceAccountTokenProjection, def *int32, files map[string]File) error {
	if in.Token == nil {
		return fmt.Errorf("%w: serviceAccountToken (no token issuer)", ErrUnsupported)
	}
	exp := int64(3600)
	if s.ExpirationSeconds != nil {
		exp = *s.ExpirationSeconds
	}
	sa := in.Pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tok, err := in.Token(in.Pod.Namespace, sa, s.Audience, exp)
	if err != nil {
		return fmt.Errorf("serviceAccountToken for %s/%s: %w", in.Pod.Namespace, sa, err)
	}
	// kubelet writes tokens 0600 unless a mode is given.
	mode := os.FileMode(0o600)
	if def != nil {
		mode = fileMode(nil, def)
	}
	files[s.Path] = File{Data: []byte(tok), Mode: mode}
	return nil
}

func containerByName(p *corev1.Pod, name string) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name || (name == "" && i == 0) {
			return &p.Spec.Containers[i]
		}
	}
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return &p.Spec.InitContainers[i]
		}
	}
	return nil
}

// checkRelPath refuses paths that would leave the volume directory or clash with the
// ..data bookkeeping of the atomic writer.
func checkRelPath(p string) error {
	if p == "" || path.IsAbs(p) || strings.HasPrefix(p, "..") || path.Clean(p) != p {
		return fmt.Errorf("%w: path %q must be relative, clean and must not start with '..'", ErrInvalidPod, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("%w: path %q contains '..'", ErrInvalidPod, p)
		}
	}
	return nil
}

// Mount is one bind mount inside a container's sandbox.
type Mount struct {
	// Source is the host path (a directory, or a file for subPath and the hosts file).
	Source string `json:"source"`
	// Target is the absolute path inside the container.
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// PlanMounts turns a container's volumeMounts into bind mounts. volumePaths maps each pod
// volume name to its host directory; env expands subPathExpr. Mounts come back ordered so a
// parent is mounted before anything below it (kubelet's order for nested mounts).
func PlanMounts(c *corev1.Container, volumePaths map[string]string, env []string) ([]Mount, error) {
	var out []Mount
	for _, vm := range c.VolumeMounts {
		src, ok := volumePaths[vm.Name]
		if !ok {
			return nil, fmt.Errorf("%w: container %q mounts unknown volume %q", ErrInvalidPod, c.Name, vm.Name)
		}
		if !path.IsAbs(vm.MountPath) {
			return nil, fmt.Errorf("%w: container %q: mountPath %q is not absolute", ErrInvalidPod, c.Name, vm.MountPath)
		}
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = Expand(vm.SubPathExpr, EnvLookup(env))
		}
		if sub != "" {
			if err := checkRelPath(path.Clean(sub)); err != nil {
				return nil, fmt.Errorf("container %q volume %q subPath: %w", c.Name, vm.Name, err)
			}
			src = path.Join(src, sub)
		}
		out = append(out, Mount{Source: src, Target: path.Clean(vm.MountPath), ReadOnly: vm.ReadOnly})
	}
	sortMounts(out)
	for i := 1; i < len(out); i++ {
		if out[i].Target == out[i-1].Target {
			return nil, fmt.Errorf("%w: container %q mounts two volumes at %s", ErrInvalidPod, c.Name, out[i].Target)
		}
	}
	return out, nil
}

// sortMounts orders by depth then path, so /a comes before /a/b.
func sortMounts(m []Mount) {
	sort.SliceStable(m, func(i, j int) bool {
		di, dj := strings.Count(m[i].Target, "/"), strings.Count(m[j].Target, "/")
		if m[i].Target == "/" {
			di = 0
		}
		if m[j].Target == "/" {
			dj = 0
		}
		if di != dj {
			return di < dj
		}
		return m[i].Target < m[j].Target
	})
}
