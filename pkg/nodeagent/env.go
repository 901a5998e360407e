package nodeagent

import (
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Objects is how pure code reads the ConfigMaps and Secrets a pod refers to (an informer
// lister in the agent, a map in tests). A missing object returns an error that IsNotFound
// recognises.
type Objects interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
}

// PodRuntimeInfo is what the downward API may expose beyond the pod object itself.
type PodRuntimeInfo struct {
	PodIP    string
	HostIP   string
	NodeName string
	// ServiceEnv is set in every container before envFrom and env, as kubelet sets the
	// variables of the `kubernetes` Service (KUBERNETES_SERVICE_HOST, ...); env may refer to
	// them with $(VAR).
	ServiceEnv map[string]string
}

// FieldRef returns the value of a downward-API field path of pod, as kubelet does for env
// (https://kubernetes.io/docs/concepts/workloads/pods/downward-api/): metadata.name,
// metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'],
// spec.nodeName, spec.serviceAccountName, status.podIP, status.podIPs, status.hostIP,
// status.hostIPs. metadata.labels / metadata.annotations as a whole are for volumes only.
func FieldRef(pod *corev1.Pod, rt PodRuntimeInfo, path string) (string, error) {
	if k, ok := bracketKey(path, "metadata.labels"); ok {
		return pod.Labels[k], nil
	}
	if k, ok := bracketKey(path, "metadata.annotations"); ok {
		return pod.Annotations[k], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return rt.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return rt.PodIP, nil
	case "status.hostIP", "status.hostIPs":
		return rt.HostIP, nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	}
	return "", fmt.Errorf("%w: downward API field %q", ErrUnsupported, path)
}

func bracketKey(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// formatMap renders labels/annotations as the downward-API volume does: key="value" lines,
// sorted, values quoted Go-style.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	return b.String()
}

// ResourceFieldRef returns a container's resource limit or request in the divisor's unit,
// rounded up, as kubelet does. An unset limit reports the node's allocatable, here nodeCap.
func ResourceFieldRef(c *corev1.Container, ref *corev1.ResourceFieldSelector, nodeCap corev1.ResourceList) (string, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", fmt.Errorf("%w: resourceFieldRef %q", ErrUnsupported, ref.Resource)
	}
	var q resource.Quantity
	var have bool
	switch kind {
	case "limits":
		q, have = c.Resources.Limits[corev1.ResourceName(name)]
	case "requests":
		q, have = c.Resources.Requests[corev1.ResourceName(name)]
	default:
		return "", fmt.Errorf("%w: resourceFieldRef %q", ErrUnsupported, ref.Resource)
	}
	if !have {
		q, have = nodeCap[corev1.ResourceName(name)]
		if !have {
			return "0", nil
		}
	}
	div := ref.Divisor
	if div.IsZero() {
		div = resource.MustParse("1")
	}
	v := (q.MilliValue() + div.MilliValue() - 1) / div.MilliValue()
	return fmt.Sprint(v), nil
}

// ResolveEnv computes a container's environment the way kubelet does: rt.ServiceEnv, then envFrom sources
// (optional prefix, invalid keys skipped), then env in order, each value expanded with $(VAR)
// against the variables defined before it. Missing objects or keys fail unless optional.
// The result is sorted "NAME=value" strings.
func ResolveEnv(pod *corev1.Pod, c *corev1.Container, rt PodRuntimeInfo, objs Objects, nodeCap corev1.ResourceList) ([]string, error) {
	env := map[string]string{}
	for k, v := range rt.ServiceEnv {
		env[k] = v
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := objs.ConfigMap(pod.Namespace, from.ConfigMapRef.Name)
			if err != nil {
				if isOptional(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("%w: envFrom configMap %q: %v", ErrInvalidPod, from.ConfigMapRef.Name, err)
			}
			data = cm.Data
		case from.SecretRef != nil:
			s, err := objs.Secret(pod.Namespace, from.SecretRef.Name)
			if err != nil {
				if isOptional(from.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("%w: envFrom secret %q: %v", ErrInvalidPod, from.SecretRef.Name, err)
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		}
		for k, v := range data {
			if validEnvName(from.Prefix + k) {
				env[from.Prefix+k] = v
			}
		}
	}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = Expand(e.Value, lookup)
			continue
		}
		v, skip, err := envValueFrom(pod, c, e, rt, objs, nodeCap)
		if err != nil {
			return nil, err
		}
		if !skip {
			env[e.Name] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

func envValueFrom(pod *corev1.Pod, c *corev1.Container, e corev1.EnvVar, rt PodRuntimeInfo, objs Objects, nodeCap corev1.ResourceList) (value string, skip bool, err error) {
	vf := e.ValueFrom
	switch {
	case vf.FieldRef != nil:
		v, err := FieldRef(pod, rt, vf.FieldRef.FieldPath)
		return v, false, err
	case vf.ResourceFieldRef != nil:
		v, err := ResourceFieldRef(c, vf.ResourceFieldRef, nodeCap)
		return v, false, err
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		cm, err := objs.ConfigMap(pod.Namespace, ref.Name)
		if err == nil {
			if v, ok := cm.Data[ref.Key]; ok {
				return v, false, nil
			}
			err = fmt.Errorf("no key %q", ref.Key)
		}
		if isOptional(ref.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("%w: env %s: configMap %q: %v", ErrInvalidPod, e.Name, ref.Name, err)
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		s, err := objs.Secret(pod.Namespace, ref.Name)
		if err == nil {
			if v, ok := s.Data[ref.Key]; ok {
				return string(v), false, nil
			}
			err = fmt.Errorf("no key %q", ref.Key)
		}
		if isOptional(ref.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("%w: env %s: secret %q: %v", ErrInvalidPod, e.Name, ref.Name, err)
	}
	return "", false, fmt.Errorf("%w: env %s: valueFrom source", ErrUnsupported, e.Name)
}

func isOptional(b *bool) bool { return b != nil && *b }

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// Expand replaces $(VAR) in s with lookup(VAR) the way Kubernetes expands command, args and env
// values: $$ is a literal $, a reference to an undefined variable stays as written, and a $
// not followed by ( or $ is kept.
func Expand(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// EnvLookup turns "NAME=value" strings into an Expand lookup.
func EnvLookup(env []string) func(string) (string, bool) {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// APIServerEnv is the environment kubelet gives every container for the `kubernetes` Service
// (pkg/kubelet/envvars: <NAME>_SERVICE_HOST, _SERVICE_PORT, _SERVICE_PORT_HTTPS, _PORT,
// _PORT_<port>_TCP{,_PROTO,_PORT,_ADDR}), which is how in-cluster clients (client-go's
// rest.InClusterConfig) find the apiserver. On a real node the host is the Service's virtual IP
// and kube-proxy forwards it; here there is no kube-proxy, so the agent names the apiserver's
// own address (host, port).
func APIServerEnv(host, port string) map[string]string {
	if host == "" || port == "" {
		return nil
	}
	url := "tcp://" + net.JoinHostPort(host, port)
	pfx := "KUBERNETES_PORT_" + port + "_TCP"
	return map[string]string{
		"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port, "KUBERNETES_SERVICE_PORT_HTTPS": port,
		"KUBERNETES_PORT": url, pfx: url, pfx + "_PROTO": "tcp", pfx + "_PORT": port, pfx + "_ADDR": host,
	}
}
