package specs

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

func buildSTS(t *testing.T, edit func(*v1alpha1.ZKEnsemble)) *appsv1.StatefulSet {
	t.Helper()
	sts, err := StatefulSet(ensemble(edit), testOpts, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

func TestStatefulSetDefaults(t *testing.T) {
	sts := buildSTS(t, nil)
	if *sts.Spec.Replicas != 3 || sts.Spec.ServiceName != "zk-headless" || sts.Name != "zk" || sts.Namespace != "prod" {
		t.Errorf("replicas/serviceName/name = %d %q %q/%q", *sts.Spec.Replicas, sts.Spec.ServiceName, sts.Namespace, sts.Name)
	}
	if sts.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
		t.Errorf("updateStrategy = %v, want OnDelete", sts.Spec.UpdateStrategy.Type)
	}
	if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("podManagementPolicy = %v, want Parallel", sts.Spec.PodManagementPolicy)
	}
	if !reflect.DeepEqual(sts.Spec.Selector.MatchLabels, SelectorLabels(ensemble(nil))) {
		t.Errorf("selector = %v", sts.Spec.Selector.MatchLabels)
	}
	pod := sts.Spec.Template
	for k, v := range sts.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("pod template misses selector label %s=%s", k, v)
		}
	}
	if pod.Annotations[AnnotationConfigHash] != "abc123" {
		t.Errorf("config hash annotation = %q", pod.Annotations[AnnotationConfigHash])
	}
	if len(sts.OwnerReferences) != 1 || sts.OwnerReferences[0].UID != "0b5e-uid" || !*sts.OwnerReferences[0].Controller {
		t.Errorf("owner references = %+v", sts.OwnerReferences)
	}
	if pod.Spec.ServiceAccountName != "zk" || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("service account = %q automount %v", pod.Spec.ServiceAccountName, *pod.Spec.AutomountServiceAccountToken)
	}

	c := pod.Spec.Containers[0]
	if c.Image != testOpts.DefaultImage {
		t.Errorf("image = %q, want the operator's default", c.Image)
	}
	if got := strings.Join(append(c.Command, c.Args...), " "); got != "zkensemble server --config /etc/zkensemble/zoo.cfg" {
		t.Errorf("command = %q", got)
	}
	if got := strings.Join(c.ReadinessProbe.Exec.Command, " "); got != "zkensemble probe -addr :2181 -timeout 3s ready" {
		t.Errorf("readiness = %q", got)
	}
	if got := strings.Join(c.LivenessProbe.Exec.Command, " "); got != "zkensemble probe -addr :2181 -timeout 3s live" {
		t.Errorf("liveness = %q", got)
	}
	if c.StartupProbe == nil || c.StartupProbe.PeriodSeconds*c.StartupProbe.FailureThreshold < 60 {
		t.Errorf("startup probe %+v gives less than a minute to recover", c.StartupProbe)
	}
	if c.ReadinessProbe.TimeoutSeconds <= 3 {
		t.Errorf("kubelet probe timeout %ds must exceed the probe's own -timeout 3s", c.ReadinessProbe.TimeoutSeconds)
	}
	var env []string
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env = append(env, e.Name+"="+e.ValueFrom.FieldRef.FieldPath)
		}
	}
	if !slices.Contains(env, "POD_NAME=metadata.name") {
		t.Errorf("env %v lacks POD_NAME from the downward API (the server derives myid from it)", env)
	}
	if !slices.Contains(env, "POD_IP=status.podIP") {
		t.Errorf("env %v lacks POD_IP from the downward API (the probes dial it)", env)
	}
	var ports []string
	for _, p := range c.Ports {
		ports = append(ports, p.Name+":"+itoa(p.ContainerPort))
	}
	if got := strings.Join(ports, ","); got != "client:2181,quorum:2888,election:3888" {
		t.Errorf("ports = %s", got)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["data"] != "/data" || mounts["config"] != "/etc/zkensemble" {
		t.Errorf("mounts = %v", mounts)
	}

	psc := pod.Spec.SecurityContext
	if psc == nil || !*psc.RunAsNonRoot || *psc.RunAsUser == 0 || psc.FSGroup == nil {
		t.Errorf("pod security context = %+v, want non-root with an fsGroup", psc)
	}
	csc := c.SecurityContext
	if *csc.AllowPrivilegeEscalation || !*csc.ReadOnlyRootFilesystem || !slices.Contains(csc.Capabilities.Drop, "ALL") {
		t.Errorf("container security context = %+v", csc)
	}

	aa := pod.Spec.Affinity.PodAntiAffinity
	if aa == nil || len(aa.PreferredDuringSchedulingIgnoredDuringExecution) != 1 || len(aa.RequiredDuringSchedulingIgnoredDuringExecution) != 0 {
		t.Fatalf("anti-affinity = %+v, want one preferred term", aa)
	}
	if term := aa.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm; term.TopologyKey != HostnameTopologyKey {
		t.Errorf("anti-affinity topology key = %q", term.TopologyKey)
	}

	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("volumeClaimTemplates = %d", len(sts.Spec.VolumeClaimTemplates))
	}
	pvc := sts.Spec.VolumeClaimTemplates[0]
	if pvc.Name != "data" || pvc.Spec.StorageClassName != nil || pvc.Spec.Resources.Requests.Storage().String() != "10Gi" {
		t.Errorf("claim template = %s class %v size %v", pvc.Name, pvc.Spec.StorageClassName, pvc.Spec.Resources.Requests.Storage())
	}
	rp := sts.Spec.PersistentVolumeClaimRetentionPolicy
	if rp.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || rp.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("retention = %+v, want Retain/Retain", rp)
	}
}

func TestStatefulSetOverrides(t *testing.T) {
	class := "fast-ssd"
	grace := int64(120)
	userAffinity := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}},
		}}},
	}}
	tests := []struct {
		name  string
		edit  func(*v1alpha1.ZKEnsemble)
		check func(t *testing.T, sts *appsv1.StatefulSet)
	}{
		{
			name: "storage",
			edit: func(z *v1alpha1.ZKEnsemble) {
				size := resource.MustParse("50Gi")
				z.Spec.Storage = v1alpha1.StorageSpec{Size: &size, StorageClassName: &class,
					WhenScaled: v1alpha1.RetentionDelete, WhenDeleted: v1alpha1.RetentionRetain}
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				pvc := sts.Spec.VolumeClaimTemplates[0]
				if *pvc.Spec.StorageClassName != "fast-ssd" || pvc.Spec.Resources.Requests.Storage().String() != "50Gi" {
					t.Errorf("claim = %v %v", *pvc.Spec.StorageClassName, pvc.Spec.Resources.Requests.Storage())
				}
				if rp := sts.Spec.PersistentVolumeClaimRetentionPolicy; rp.WhenScaled != appsv1.DeletePersistentVolumeClaimRetentionPolicyType ||
					rp.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
					t.Errorf("retention = %+v", rp)
				}
			},
		},
		{
			name: "pod labels never replace the selector",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Pod.Labels = map[string]string{LabelInstance: "hijack", "team": "storage"}
				z.Spec.Pod.Annotations = map[string]string{AnnotationConfigHash: "stale", "note": "x"}
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				l, a := sts.Spec.Template.Labels, sts.Spec.Template.Annotations
				if l[LabelInstance] != "zk" || l["team"] != "storage" {
					t.Errorf("labels = %v", l)
				}
				if a[AnnotationConfigHash] != "abc123" || a["note"] != "x" {
					t.Errorf("annotations = %v", a)
				}
			},
		},
		{
			name: "required anti-affinity keeps the user's node affinity",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Pod.AntiAffinity = v1alpha1.AntiAffinityRequired
				z.Spec.Pod.Affinity = userAffinity
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				a := sts.Spec.Template.Spec.Affinity
				if !reflect.DeepEqual(a.NodeAffinity, userAffinity.NodeAffinity) {
					t.Errorf("node affinity = %+v", a.NodeAffinity)
				}
				if len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
					t.Errorf("pod anti-affinity = %+v, want one required term", a.PodAntiAffinity)
				}
				if userAffinity.PodAntiAffinity != nil {
					t.Error("builder mutated the spec's affinity")
				}
			},
		},
		{
			name: "user pod anti-affinity wins",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Pod.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{}}
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if !reflect.DeepEqual(sts.Spec.Template.Spec.Affinity.PodAntiAffinity, &corev1.PodAntiAffinity{}) {
					t.Errorf("pod anti-affinity = %+v, want the user's", sts.Spec.Template.Spec.Affinity.PodAntiAffinity)
				}
			},
		},
		{
			name: "no anti-affinity",
			edit: func(z *v1alpha1.ZKEnsemble) { z.Spec.Pod.AntiAffinity = v1alpha1.AntiAffinityNone },
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				if sts.Spec.Template.Spec.Affinity != nil {
					t.Errorf("affinity = %+v, want none", sts.Spec.Template.Spec.Affinity)
				}
			},
		},
		{
			name: "scheduling and security overrides",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Image = "registry.example/zk:1"
				z.Spec.ImagePullPolicy = corev1.PullAlways
				z.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
				z.Spec.Pod.Tolerations = []corev1.Toleration{{Key: "dedicated", Value: "zk", Effect: corev1.TaintEffectNoSchedule}}
				z.Spec.Pod.NodeSelector = map[string]string{"pool": "zk"}
				z.Spec.Pod.PriorityClassName = "critical"
				z.Spec.Pod.TerminationGracePeriodSeconds = &grace
				z.Spec.Pod.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "zone",
					WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{}}}
				uid := int64(1000)
				z.Spec.Pod.SecurityContext = &corev1.PodSecurityContext{RunAsUser: &uid}
				z.Spec.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				p := sts.Spec.Template.Spec
				c := p.Containers[0]
				if c.Image != "registry.example/zk:1" || c.ImagePullPolicy != corev1.PullAlways || p.ImagePullSecrets[0].Name != "regcred" {
					t.Errorf("image = %s %s %v", c.Image, c.ImagePullPolicy, p.ImagePullSecrets)
				}
				if len(p.Tolerations) != 1 || p.NodeSelector["pool"] != "zk" || p.PriorityClassName != "critical" ||
					*p.TerminationGracePeriodSeconds != 120 || len(p.TopologySpreadConstraints) != 1 {
					t.Errorf("scheduling overrides lost: %+v", p)
				}
				if *p.SecurityContext.RunAsUser != 1000 || p.SecurityContext.FSGroup != nil {
					t.Errorf("security context = %+v, want the user's as a whole", p.SecurityContext)
				}
				if c.Resources.Limits.Memory().String() != "1Gi" {
					t.Errorf("resources = %+v", c.Resources)
				}
			},
		},
		{
			name: "metrics port and custom client port",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Metrics.Enabled = true
				z.Spec.Ports.Client = 12181
			},
			check: func(t *testing.T, sts *appsv1.StatefulSet) {
				c := sts.Spec.Template.Spec.Containers[0]
				if last := c.Ports[len(c.Ports)-1]; last.Name != "metrics" || last.ContainerPort != 7000 {
					t.Errorf("ports = %+v", c.Ports)
				}
				if !slices.Contains(c.ReadinessProbe.Exec.Command, ":12181") {
					t.Errorf("readiness probe %v does not use the client port", c.ReadinessProbe.Exec.Command)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, buildSTS(t, tt.edit)) })
	}
}

func TestStatefulSetNeedsConfigHash(t *testing.T) {
	if _, err := StatefulSet(ensemble(nil), testOpts, ""); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("err = %v, want ErrInvalidSpec", err)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
