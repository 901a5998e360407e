package specs

import (
	"fmt"
	"net"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// Names inside the member pod.
const (
	ContainerName = "zkensemble"
	// Binary is the zkensemble executable, found on the image's PATH.
	Binary = "zkensemble"
	// EnvPodName carries the pod name (downward API); the server derives its myid from it with
	// topology.MyIDFromPodName.
	EnvPodName      = "POD_NAME"
	EnvPodNamespace = "POD_NAMESPACE"
	// EnvPodIP carries the pod's IP (downward API status.podIP); the probes dial it.
	EnvPodIP = "POD_IP"

	volumeData   = "data"
	volumeConfig = "config"
	volumeTmp    = "tmp"

	// nonRootID is the uid/gid the members run as (the distroless "nonroot" user), and the
	// fsGroup that makes the data volume writable for it.
	nonRootID int64 = 65532

	// HostnameTopologyKey spreads members over nodes.
	HostnameTopologyKey = "kubernetes.io/hostname"
)

// Probe timings. `zkensemble probe` bounds its own check with -timeout; the kubelet's timeout
// is longer so the probe reports its own reason instead of being killed.
const (
	probeCheckTimeout     = "3s"
	probeTimeoutSeconds   = 5
	probePeriodSeconds    = 10
	readinessFailures     = 3
	livenessFailures      = 6
	startupPeriodSeconds  = 5
	startupFailures       = 60 // 5 minutes to replay the log and snapshots before liveness applies
	defaultTerminationSec = 30
)

// StatefulSet runs the members. configHash is ConfigHash of the ConfigMap's zoo.cfg; it goes
// into the pod template so a configuration change makes a new revision.
//
// Choices, each for a reason:
//   - updateStrategy OnDelete: the StatefulSet controller restarts pods from the highest ordinal
//     down, which is usually the leader (FastLeaderElection prefers the highest id among equally
//     up-to-date servers); the reconciler restarts followers first and the leader last.
//   - podManagementPolicy Parallel: readiness means "member of a serving quorum", so under
//     OrderedReady pod 0 would wait for a quorum that pods 1 and 2, never created, must provide.
//   - readiness runs `zkensemble probe ready` (srvr: a serving mode), liveness `zkensemble probe
//     live` (ruok: the process answers, quorum or not, so a lost quorum does not restart
//     everyone), behind a startup probe that gives recovery time.
func StatefulSet(zke *v1alpha1.ZKEnsemble, opts Options, configHash string) (*appsv1.StatefulSet, error) {
	return StatefulSetFor(zke, opts, configHash, Membership{})
}

// StatefulSetFor is StatefulSet with the inputs of dynamic membership: with opts.Reconfig its
// replicas are m.Pods (the membership steps grow and shrink it one member at a time), not
// spec.replicas.
func StatefulSetFor(zke *v1alpha1.ZKEnsemble, opts Options, configHash string, m Membership) (*appsv1.StatefulSet, error) {
	spec, err := resolve(zke, opts)
	if err != nil {
		return nil, err
	}
	if configHash == "" {
		return nil, fmt.Errorf("%w: empty config hash (build the ConfigMap first)", ErrInvalidSpec)
	}
	replicas := spec.Replicas
	if opts.Reconfig {
		replicas = m.pods(spec.Replicas)
	}
	selector := SelectorLabels(zke)

	podLabels := merged(spec.Pod.Labels, Labels(zke))
	podAnnotations := merged(spec.Pod.Annotations, map[string]string{AnnotationConfigHash: configHash})

	grace := int64(defaultTerminationSec)
	if spec.Pod.TerminationGracePeriodSeconds != nil {
		grace = *spec.Pod.TerminationGracePeriodSeconds
	}
	no := false

	sts := &appsv1.StatefulSet{
		ObjectMeta: objectMeta(zke, StatefulSetName(zke)),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &replicas,
			Selector:            &metav1.LabelSelector{MatchLabels: selector},
			ServiceName:         HeadlessServiceName(zke),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: retention(spec.Storage.WhenDeleted),
				WhenScaled:  retention(spec.Storage.WhenScaled),
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnnotations},
				Spec: corev1.PodSpec{
					ServiceAccountName:            ServiceAccountName(zke),
					AutomountServiceAccountToken:  &no,
					EnableServiceLinks:            &no, // service env vars are noise, and slow with many Services
					TerminationGracePeriodSeconds: &grace,
					ImagePullSecrets:              spec.ImagePullSecrets,
					SecurityContext:               podSecurityContext(spec.Pod.SecurityContext),
					Affinity:                      affinity(spec.Pod, selector),
					Tolerations:                   spec.Pod.Tolerations,
					NodeSelector:                  spec.Pod.NodeSelector,
					PriorityClassName:             spec.Pod.PriorityClassName,
					TopologySpreadConstraints:     spec.Pod.TopologySpreadConstraints,
					Containers:                    []corev1.Container{memberContainer(spec)},
					Volumes: []corev1.Volume{
						{Name: volumeConfig, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(zke)},
						}}},
						// The root filesystem is read-only; /tmp stays writable for whatever
						// expects it (os.TempDir users, debugging sessions).
						{Name: volumeTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: volumeData, Labels: SelectorLabels(zke)},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: spec.Storage.StorageClassName,
					Resources: corev1.VolumeResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceStorage: *spec.Storage.Size},
					},
				},
			}},
		},
	}
	if spec.TLS != nil {
		pod := &sts.Spec.Template.Spec
		pod.Volumes = append(pod.Volumes, tlsVolume(spec.TLS))
		c := &pod.Containers[0]
		c.VolumeMounts = append(c.VolumeMounts, tlsMount())
	}
	return sts, nil
}

func memberContainer(spec v1alpha1.ZKEnsembleSpec) corev1.Container {
	ports := []corev1.ContainerPort{
		{Name: PortNameClient, ContainerPort: spec.Ports.Client, Protocol: corev1.ProtocolTCP},
		{Name: PortNameQuorum, ContainerPort: spec.Ports.Quorum, Protocol: corev1.ProtocolTCP},
		{Name: PortNameElection, ContainerPort: spec.Ports.Election, Protocol: corev1.ProtocolTCP},
	}
	if spec.Metrics.Enabled {
		ports = append(ports, corev1.ContainerPort{Name: PortNameMetrics, ContainerPort: spec.Ports.Metrics, Protocol: corev1.ProtocolTCP})
	}
	if spec.TLS != nil {
		ports = append(ports, corev1.ContainerPort{Name: PortNameTLSClient, ContainerPort: spec.TLS.Port, Protocol: corev1.ProtocolTCP})
	}
	no, yes := false, true
	return corev1.Container{
		Name:            ContainerName,
		Image:           spec.Image,
		ImagePullPolicy: spec.ImagePullPolicy,
		Command:         []string{Binary},
		Args:            []string{"server", "--config", ConfigDir + "/" + ZooCfgKey},
		Env: []corev1.EnvVar{
			{Name: EnvPodName, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: EnvPodNamespace, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
			{Name: EnvPodIP, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		},
		Ports:     ports,
		Resources: spec.Resources,
		VolumeMounts: []corev1.VolumeMount{
			{Name: volumeData, MountPath: DataDir},
			{Name: volumeConfig, MountPath: ConfigDir, ReadOnly: true},
			{Name: volumeTmp, MountPath: "/tmp"},
		},
		StartupProbe:   probe(spec.Ports.Client, "live", startupPeriodSeconds, startupFailures),
		LivenessProbe:  probe(spec.Ports.Client, "live", probePeriodSeconds, livenessFailures),
		ReadinessProbe: probe(spec.Ports.Client, "ready", probePeriodSeconds, readinessFailures),
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: &no,
			ReadOnlyRootFilesystem:   &yes,
			RunAsNonRoot:             &yes,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// probe runs `zkensemble probe` against the member's own client port at its pod IP: the member
// binds its client port to its own DNS name (ZooCfg), which resolves to that IP, not to all
// addresses, so loopback would find nothing, or another member where pods share the host network.
// The address is ":port": a kubelet expands $(VAR) in an exec probe's command only from env
// entries with a literal value (ExpandContainerCommandOnlyStatic), never the downward-API POD_IP,
// so `zkensemble probe` itself fills an empty host from $POD_IP, which it inherits.
func probe(clientPort int32, check string, periodSeconds, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{
			Binary, "probe",
			"-addr", net.JoinHostPort("", strconv.Itoa(int(clientPort))),
			"-timeout", probeCheckTimeout,
			check,
		}}},
		TimeoutSeconds:   probeTimeoutSeconds,
		PeriodSeconds:    periodSeconds,
		SuccessThreshold: 1,
		FailureThreshold: failures,
	}
}

// podSecurityContext is the user's context when given (it replaces ours as a whole: merging
// two security policies field by field would produce one neither side wrote), else non-root
// with the data volume group-writable and the runtime's default seccomp profile.
func podSecurityContext(user *corev1.PodSecurityContext) *corev1.PodSecurityContext {
	if user != nil {
		return user.DeepCopy()
	}
	id, yes := nonRootID, true
	onRootMismatch := corev1.FSGroupChangeOnRootMismatch
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        &yes,
		RunAsUser:           &id,
		RunAsGroup:          &id,
		FSGroup:             &id,
		FSGroupChangePolicy: &onRootMismatch,
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// affinity is the user's affinity with pod anti-affinity between members added from
// spec.pod.antiAffinity, unless the user wrote a podAntiAffinity of their own. Preferred (the
// default) spreads members over nodes when it can but still schedules a 3-member ensemble on a
// 2-node cluster; Required never co-locates two members.
func affinity(pod v1alpha1.PodOverrides, selector map[string]string) *corev1.Affinity {
	var a *corev1.Affinity
	if pod.Affinity != nil {
		a = pod.Affinity.DeepCopy()
	}
	if (a != nil && a.PodAntiAffinity != nil) || pod.AntiAffinity == v1alpha1.AntiAffinityNone {
		return a
	}
	term := corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: selector},
		TopologyKey:   HostnameTopologyKey,
	}
	if a == nil {
		a = &corev1.Affinity{}
	}
	switch pod.AntiAffinity {
	case v1alpha1.AntiAffinityRequired:
		a.PodAntiAffinity = &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term},
		}
	default:
		a.PodAntiAffinity = &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}},
		}
	}
	return a
}

func retention(r v1alpha1.RetentionRule) appsv1.PersistentVolumeClaimRetentionPolicyType {
	if r == v1alpha1.RetentionDelete {
		return appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	}
	return appsv1.RetainPersistentVolumeClaimRetentionPolicyType
}
