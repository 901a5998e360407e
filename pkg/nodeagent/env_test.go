package nodeagent

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeObjects serves ConfigMaps and Secrets from maps keyed "ns/name".
type fakeObjects struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

var errNotFound = errors.New("not found")

func (f fakeObjects) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if c, ok := f.cms[ns+"/"+name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("configmap %s/%s: %w", ns, name, errNotFound)
}

func (f fakeObjects) Secret(ns, name string) (*corev1.Secret, error) {
	if s, ok := f.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("secret %s/%s: %w", ns, name, errNotFound)
}

func TestExpand(t *testing.T) {
	lookup := EnvLookup([]string{"A=1", "POD_IP=127.1.0.3", "EMPTY="})
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "1"},
		{"--client-addr=$(POD_IP):2181", "--client-addr=127.1.0.3:2181"},
		{"$(UNDEFINED)", "$(UNDEFINED)"},
		{"$$(A)", "$(A)"},
		{"$$", "$"},
		{"cost $5", "cost $5"},
		{"trailing $", "trailing $"},
		{"$(A", "$(A"},
		{"x$(EMPTY)y", "xy"},
		{"$(A)$(A)", "11"},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, lookup); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestResolveEnv(t *testing.T) {
	yes := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "zk-1", UID: "u1", Labels: map[string]string{"app": "zk"}},
		Spec:       corev1.PodSpec{ServiceAccountName: "sa"},
	}
	objs := fakeObjects{
		cms:     map[string]*corev1.ConfigMap{"ns/cm": {Data: map[string]string{"k": "cv", "bad key": "x", "OTHER": "o"}}},
		secrets: map[string]*corev1.Secret{"ns/s": {Data: map[string][]byte{"pw": []byte("secret")}}},
	}
	rt := PodRuntimeInfo{PodIP: "127.1.0.2", HostIP: "127.0.0.1", NodeName: "local"}
	c := &corev1.Container{
		EnvFrom: []corev1.EnvFromSource{
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}, Prefix: "CM_"},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Optional: &yes}},
		},
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "pw"}}},
			{Name: "OPT", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope", Optional: &yes}}},
			{Name: "ADDR", Value: "$(POD_IP):2181"},
			{Name: "LATER", Value: "$(DEFINED_AFTER)"},
			{Name: "DEFINED_AFTER", Value: "x"},
			{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		},
	}
	got, err := ResolveEnv(pod, c, rt, objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ADDR=127.1.0.2:2181", "APP=zk", "CM_OTHER=o", "CM_k=cv", "DEFINED_AFTER=x", "LATER=$(DEFINED_AFTER)", "NODE=local", "POD_IP=127.1.0.2", "POD_NAME=zk-1", "PW=secret"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	for name, e := range map[string]corev1.EnvVar{
		"missing key":    {Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope"}}},
		"missing secret": {Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "zz"}, Key: "pw"}}},
		"bad field":      {Name: "X", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}},
	} {
		if _, err := ResolveEnv(pod, &corev1.Container{Env: []corev1.EnvVar{e}}, rt, objs, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestResourceFieldRef(t *testing.T) {
	c := &corev1.Container{Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1536Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
	}}
	nodeCap := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	tests := []struct {
		res, div, want string
	}{
		{"limits.memory", "1Mi", "1536"},
		{"limits.memory", "1Gi", "2"}, // rounded up
		{"requests.cpu", "1m", "250"},
		{"requests.cpu", "", "1"},
		{"limits.cpu", "", "2"}, // unset limit: node allocatable
	}
	for _, tt := range tests {
		ref := &corev1.ResourceFieldSelector{Resource: tt.res}
		if tt.div != "" {
			ref.Divisor = resource.MustParse(tt.div)
		}
		got, err := ResourceFieldRef(c, ref, nodeCap)
		if err != nil || got != tt.want {
			t.Errorf("%s/%s = %q, %v; want %s", tt.res, tt.div, got, err, tt.want)
		}
	}
}

func TestAPIServerEnvComesFirst(t *testing.T) {
	pod := &corev1.Pod{}
	c := &corev1.Container{Env: []corev1.EnvVar{
		{Name: "API", Value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"},
		{Name: "KUBERNETES_SERVICE_PORT", Value: "1"}, // a container's own env wins, as in kubelet
	}}
	env, err := ResolveEnv(pod, c, PodRuntimeInfo{ServiceEnv: APIServerEnv("127.0.0.1", "6443")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(env, " ")
	for _, want := range []string{"API=https://127.0.0.1:6443", "KUBERNETES_SERVICE_HOST=127.0.0.1", "KUBERNETES_SERVICE_PORT=1",
		"KUBERNETES_PORT=tcp://127.0.0.1:6443", "KUBERNETES_PORT_6443_TCP_ADDR=127.0.0.1"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("env lacks %s: %s", want, got)
		}
	}
	if APIServerEnv("", "") != nil {
		t.Error("no apiserver: no variables")
	}
}
