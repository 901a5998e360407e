package nodeagent

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestProject(t *testing.T) {
	yes := true
	mode := int32(0o600)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "zk-0", Labels: map[string]string{"b": "2", "a": "1"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	objs := fakeObjects{
		cms:     map[string]*corev1.ConfigMap{"ns/cfg": {Data: map[string]string{"zoo.cfg": "tickTime=2000\n", "other": "x"}}},
		secrets: map[string]*corev1.Secret{"ns/sec": {Data: map[string][]byte{"pw": []byte("p")}}},
	}
	in := ProjectionInput{Pod: pod, Runtime: PodRuntimeInfo{PodIP: "127.1.0.1"}, Objects: objs,
		Token: func(ns, sa, aud string, exp int64) (string, error) { return ns + "/" + sa + "/" + aud, nil }}
	ref := func(n string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: n} }
	tests := []struct {
		name    string
		vol     corev1.VolumeSource
		want    map[string]File
		wantErr error
	}{
		{"configMap all keys", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("cfg")}},
			map[string]File{"zoo.cfg": {[]byte("tickTime=2000\n"), 0o644}, "other": {[]byte("x"), 0o644}}, nil},
		{"configMap items and mode", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("cfg"),
			Items: []corev1.KeyToPath{{Key: "zoo.cfg", Path: "conf/zoo.cfg", Mode: &mode}}}},
			map[string]File{"conf/zoo.cfg": {[]byte("tickTime=2000\n"), 0o600}}, nil},
		{"missing configMap", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("nope")}}, nil, ErrInvalidPod},
		{"missing optional configMap", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("nope"), Optional: &yes}}, map[string]File{}, nil},
		{"missing key", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("cfg"), Items: []corev1.KeyToPath{{Key: "zz", Path: "zz"}}}}, nil, ErrInvalidPod},
		{"escaping path", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("cfg"), Items: []corev1.KeyToPath{{Key: "other", Path: "../x"}}}}, nil, ErrInvalidPod},
		{"secret", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "sec", DefaultMode: &mode}},
			map[string]File{"pw": {[]byte("p"), 0o600}}, nil},
		{"downwardAPI", corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}},
			map[string]File{"name": {[]byte("zk-0"), 0o644}, "labels": {[]byte("a=\"1\"\nb=\"2\""), 0o644}}, nil},
		{"projected token + configMap", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", Audience: "aud"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref("cfg"), Items: []corev1.KeyToPath{{Key: "other", Path: "o"}}}}}}},
			map[string]File{"token": {[]byte("ns/default/aud"), 0o600}, "o": {[]byte("x"), 0o644}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := Project(in, &corev1.Volume{Name: "v", VolumeSource: tt.vol})
			if !ok {
				t.Fatal("not recognised as projected")
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
	if _, ok, _ := Project(in, &corev1.Volume{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}); ok {
		t.Error("emptyDir treated as projected")
	}
}

func TestPlanMounts(t *testing.T) {
	paths := map[string]string{"data": "/state/pv/pvc-1", "config": "/state/pods/u/volumes/config", "tmp": "/state/pods/u/volumes/tmp"}
	tests := []struct {
		name    string
		mounts  []corev1.VolumeMount
		want    []Mount
		wantErr bool
	}{
		{"ordered parents first", []corev1.VolumeMount{
			{Name: "tmp", MountPath: "/data/tmp"},
			{Name: "config", MountPath: "/etc/zkensemble/", ReadOnly: true},
			{Name: "data", MountPath: "/data"},
		}, []Mount{
			{Source: "/state/pv/pvc-1", Target: "/data"},
			{Source: "/state/pods/u/volumes/tmp", Target: "/data/tmp"},
			{Source: "/state/pods/u/volumes/config", Target: "/etc/zkensemble", ReadOnly: true},
		}, false},
		{"subPath and subPathExpr", []corev1.VolumeMount{
			{Name: "config", MountPath: "/etc/zoo.cfg", SubPath: "zoo.cfg"},
			{Name: "data", MountPath: "/data", SubPathExpr: "$(POD_NAME)"},
		}, []Mount{
			{Source: "/state/pv/pvc-1/zk-0", Target: "/data"},
			{Source: "/state/pods/u/volumes/config/zoo.cfg", Target: "/etc/zoo.cfg"},
		}, false},
		{"unknown volume", []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}, nil, true},
		{"relative mountPath", []corev1.VolumeMount{{Name: "tmp", MountPath: "x"}}, nil, true},
		{"escaping subPath", []corev1.VolumeMount{{Name: "tmp", MountPath: "/x", SubPath: "../../etc"}}, nil, true},
		{"duplicate target", []corev1.VolumeMount{{Name: "tmp", MountPath: "/x"}, {Name: "data", MountPath: "/x/"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanMounts(&corev1.Container{Name: "c", VolumeMounts: tt.mounts}, paths, []string{"POD_NAME=zk-0"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWriteProjected(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Unix(1000, 1)
	v1 := map[string]File{"zoo.cfg": {[]byte("a"), 0o644}, "sub/x": {[]byte("x"), 0o600}}
	changed, err := WriteProjected(dir, v1, t0)
	if err != nil || !changed {
		t.Fatalf("first write: %v %v", changed, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "zoo.cfg")); string(b) != "a" {
		t.Fatalf("zoo.cfg = %q", b)
	}
	if st, _ := os.Stat(filepath.Join(dir, "sub/x")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v", st.Mode())
	}
	if changed, _ := WriteProjected(dir, v1, t0.Add(time.Second)); changed {
		t.Fatal("rewrote equal content")
	}
	v2 := map[string]File{"zoo.cfg": {[]byte("b"), 0o644}}
	if changed, err := WriteProjected(dir, v2, t0.Add(2*time.Second)); !changed || err != nil {
		t.Fatalf("second write: %v %v", changed, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "zoo.cfg")); string(b) != "b" {
		t.Fatalf("zoo.cfg after update = %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Fatalf("stale link sub still there: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	gens := 0
	for _, e := range entries {
		if e.IsDir() && e.Name() != dataDirName {
			gens++
		}
	}
	if gens != 1 {
		t.Fatalf("%d generation dirs left, want 1", gens)
	}
}
