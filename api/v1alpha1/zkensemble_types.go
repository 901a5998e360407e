package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults. The +kubebuilder:default markers below state the same values (a marker cannot
// refer to a constant); pkg/specs uses these for fields left empty in objects built in code.
const (
	DefaultReplicas      int32 = 3
	DefaultStorageSize         = "10Gi"
	DefaultClientPort    int32 = 2181 // ZooKeeper's conventional client port
	DefaultQuorumPort    int32 = 2888 // followers connect to the leader here
	DefaultElectionPort  int32 = 3888 // leader election
	DefaultMetricsPort   int32 = 7000 // ZooKeeper's PrometheusMetricsProvider default httpPort
	DefaultSecurePort    int32 = 2182 // the secure client port ZooKeeper's TLS guides use
	DefaultClientAuth          = ClientAuthNeed
	MaxReplicas          int32 = 7
	DefaultServiceType         = corev1.ServiceTypeClusterIP
	DefaultAntiAffinity        = AntiAffinityPreferred
	DefaultRetentionRule       = RetentionRetain
)

// ZKEnsembleSpec is the desired state of a ZooKeeper-compatible ensemble.
//
// The has() guards are for the apiserver's check of the spec's own default ({}), which it
// validates before nested defaults fill in the ports; in stored objects every port is set.
//
// +kubebuilder:validation:XValidation:rule="!has(self.metrics) || !has(self.metrics.enabled) || !self.metrics.enabled || !has(self.ports) || !has(self.ports.metrics) || ((!has(self.ports.client) || self.ports.metrics != self.ports.client) && (!has(self.ports.quorum) || self.ports.metrics != self.ports.quorum) && (!has(self.ports.election) || self.ports.metrics != self.ports.election))",message="ports.metrics must differ from ports.client, ports.quorum and ports.election"
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.port) || !has(self.ports) || ((!has(self.ports.client) || self.tls.port != self.ports.client) && (!has(self.ports.quorum) || self.tls.port != self.ports.quorum) && (!has(self.ports.election) || self.tls.port != self.ports.election) && (!has(self.metrics) || !has(self.metrics.enabled) || !self.metrics.enabled || !has(self.ports.metrics) || self.tls.port != self.ports.metrics))",message="tls.port must differ from ports.client, ports.quorum, ports.election and (with metrics enabled) ports.metrics"
type ZKEnsembleSpec struct {
	// Replicas is the number of voting members. A majority of them must be up for the
	// ensemble to serve, so an even count tolerates no more failures than the odd count below
	// it while needing one more member per write: only 1, 3, 5 and 7 are accepted.
	//
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=7
	// +kubebuilder:validation:XValidation:rule="self % 2 == 1",message="replicas must be odd (1, 3, 5 or 7): a majority of an even ensemble tolerates no more failures than one member fewer"
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// Image is the zkensemble container image the members run. Empty means the operator's own
	// image (one binary holds the operator and the server).
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the member container.
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// ImagePullSecrets for the member pods.
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Resources of the member container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Storage is the persistent volume each member keeps its transaction log and snapshots on.
	// +kubebuilder:default={}
	// +optional
	Storage StorageSpec `json:"storage,omitempty"`

	// ServerConfig holds zoo.cfg keys and values added to the configuration the operator
	// writes (tickTime, initLimit, syncLimit, maxClientCnxns, autopurge.*, jute.maxbuffer, ...).
	// Values are taken literally, as strings. Keys the operator owns (OwnedConfigKeys and the
	// prefixes server., group., weight., metricsProvider.) are refused. 4lw.commands.whitelist
	// may be set; the operator adds the words its probes need (ruok, srvr, mntr).
	//
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, !(k in ['dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress', 'secureClientPort', 'dynamicConfigFile', 'standaloneEnabled', 'reconfigEnabled', 'peerType', 'quorumListenOnAllIPs', 'secureClientPortAddress', 'ssl.clientAuth']) && !['server.', 'group.', 'weight.', 'metricsProvider.', 'ssl.keyStore.', 'ssl.trustStore.'].exists(p, k.startsWith(p)))",messageExpression="'serverConfig: zoo.cfg key ' + self.filter(k, k in ['dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress', 'secureClientPort', 'dynamicConfigFile', 'standaloneEnabled', 'reconfigEnabled', 'peerType', 'quorumListenOnAllIPs', 'secureClientPortAddress', 'ssl.clientAuth'] || ['server.', 'group.', 'weight.', 'metricsProvider.', 'ssl.keyStore.', 'ssl.trustStore.'].exists(p, k.startsWith(p)))[0] + ' is set by the operator and cannot be overridden'",reason=FieldValueForbidden
	// +optional
	ServerConfig map[string]ZooCfgValue `json:"serverConfig,omitempty"`

	// Pod holds overrides applied to every member pod.
	// +kubebuilder:default={}
	// +optional
	Pod PodOverrides `json:"pod,omitempty"`

	// ClientService configures the Service clients connect through.
	// +kubebuilder:default={}
	// +optional
	ClientService ClientServiceSpec `json:"clientService,omitempty"`

	// Ports the members listen on.
	// +kubebuilder:default={}
	// +optional
	Ports PortsSpec `json:"ports,omitempty"`

	// Metrics configures the Prometheus endpoint of the members.
	// +kubebuilder:default={}
	// +optional
	Metrics MetricsSpec `json:"metrics,omitempty"`

	// TLS serves clients over TLS on a second client port, with the key, certificate and CA of
	// a Kubernetes TLS Secret (cert-manager's layout: tls.key, tls.crt, ca.crt). The plaintext
	// client port stays open (the probes and the operator use it). Rotating the Secret's
	// content restarts nothing: members re-read the files.
	// +optional
	TLS *TLSSpec `json:"tls,omitempty"`

	// Paused stops the operator from changing anything it owns for this ensemble; status is
	// still observed and reported. For manual surgery.
	// +optional
	Paused bool `json:"paused,omitempty"`
}

// TLSClientAuth is whether members ask TLS clients for a certificate: zoo.cfg's ssl.clientAuth.
//
// +kubebuilder:validation:Enum=none;want;need
type TLSClientAuth string

const (
	// ClientAuthNone asks for no certificate: the connection is encrypted, the client is not
	// identified by TLS.
	ClientAuthNone TLSClientAuth = "none"
	// ClientAuthWant asks for one and accepts a client without; a certificate given must be
	// signed by the Secret's CA and makes the session x509:<subject>.
	ClientAuthWant TLSClientAuth = "want"
	// ClientAuthNeed refuses a client without a certificate signed by the Secret's CA
	// (ZooKeeper's default).
	ClientAuthNeed TLSClientAuth = "need"
)

func (a TLSClientAuth) String() string { return string(a) }

// TLSSpec is the secure client port of the members.
//
// The server's key and certificate chain are the Secret's tls.key and tls.crt; ca.crt is the CA
// that client certificates must chain to (required unless clientAuth is none). The Secret is
// mounted read-only; the operator reads only which keys it has, never hashes its content, so
// a rotated certificate reaches the members without a rolling restart.
type TLSSpec struct {
	// SecretName is a Secret in the ensemble's namespace with tls.key, tls.crt and (unless
	// clientAuth is none) ca.crt, e.g. the Secret of a cert-manager Certificate. Its
	// certificate should name the members' DNS names (<name>-<ordinal>.<name>-headless.
	// <namespace>.svc.<cluster domain>, or a wildcard *.<name>-headless...) and the client
	// Service's.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName"`

	// ClientAuth is zoo.cfg's ssl.clientAuth. Default need, as ZooKeeper: a Secret that
	// carries a CA means clients are meant to prove who they are, and clients without a
	// certificate still have the plaintext port.
	// +kubebuilder:default=need
	// +optional
	ClientAuth TLSClientAuth `json:"clientAuth,omitempty"`

	// Port is the secure client port (zoo.cfg secureClientPort; container and Service port
	// "tls-client").
	// +kubebuilder:default=2182
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int32 `json:"port,omitempty"`
}

// ZooCfgValue is the value of one zoo.cfg key. One line: a line break would start a new key.
//
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:Pattern=`^[^\r\n]*$`
type ZooCfgValue string

// RetentionRule says what happens to a member's PersistentVolumeClaim.
//
// +kubebuilder:validation:Enum=Retain;Delete
type RetentionRule string

const (
	// RetentionRetain keeps the claim (and the data): the safe default for a database.
	RetentionRetain RetentionRule = "Retain"
	// RetentionDelete deletes the claim with the pod that used it.
	RetentionDelete RetentionRule = "Delete"
)

func (r RetentionRule) String() string { return string(r) }

// StorageSpec describes the volume claim template of the members.
//
// storageClassName cannot change: a StatefulSet's volumeClaimTemplates are immutable and
// existing claims keep the class they were provisioned with. The rule sits on the struct so
// setting or clearing the class is refused too, not only changing it.
//
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="storage.storageClassName is immutable"
type StorageSpec struct {
	// Size of each member's volume. A pointer so a client that leaves it out gets the default
	// instead of sending "0".
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="storage.size must be positive"
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`

	// StorageClassName of the claims; empty uses the cluster's default class. Immutable.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// WhenScaled says what happens to the claim of a member removed by a scale-down.
	// +kubebuilder:default=Retain
	// +optional
	WhenScaled RetentionRule `json:"whenScaled,omitempty"`

	// WhenDeleted says what happens to the claims when the ZKEnsemble is deleted.
	// +kubebuilder:default=Retain
	// +optional
	WhenDeleted RetentionRule `json:"whenDeleted,omitempty"`
}

// AntiAffinityMode says how strongly members avoid sharing a node.
//
// +kubebuilder:validation:Enum=Preferred;Required;None
type AntiAffinityMode string

const (
	// AntiAffinityPreferred spreads members over nodes when the scheduler can (the default:
	// a small cluster still gets an ensemble).
	AntiAffinityPreferred AntiAffinityMode = "Preferred"
	// AntiAffinityRequired never puts two members on one node; a member stays Pending rather.
	AntiAffinityRequired AntiAffinityMode = "Required"
	// AntiAffinityNone adds no anti-affinity.
	AntiAffinityNone AntiAffinityMode = "None"
)

func (m AntiAffinityMode) String() string { return string(m) }

// PodOverrides are merged into the member pods the operator builds. Labels and annotations are
// added (the operator's own labels win); affinity fields given here replace the operator's,
// except that podAntiAffinity comes from antiAffinity when affinity.podAntiAffinity is empty.
type PodOverrides struct {
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// AntiAffinity between members of this ensemble on kubernetes.io/hostname.
	// +kubebuilder:default=Preferred
	// +optional
	AntiAffinity AntiAffinityMode `json:"antiAffinity,omitempty"`

	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// SecurityContext replaces the operator's pod security context (non-root, fsGroup,
	// RuntimeDefault seccomp) as a whole.
	// +optional
	SecurityContext *corev1.PodSecurityContext `json:"securityContext,omitempty"`
	// +optional
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// TerminationGracePeriodSeconds of the member pods; default 30.
	// +kubebuilder:validation:Minimum=0
	// +optional
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// ClientServiceSpec configures the Service in front of the ready members.
type ClientServiceSpec struct {
	// Type of the Service.
	// +kubebuilder:default=ClusterIP
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	// +optional
	Type corev1.ServiceType `json:"type,omitempty"`
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PortsSpec are the container ports of a member.
//
// +kubebuilder:validation:XValidation:rule="!has(self.client) || !has(self.quorum) || !has(self.election) || (self.client != self.quorum && self.client != self.election && self.quorum != self.election)",message="ports.client, ports.quorum and ports.election must all differ"
type PortsSpec struct {
	// +kubebuilder:default=2181
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Client int32 `json:"client,omitempty"`
	// +kubebuilder:default=2888
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Quorum int32 `json:"quorum,omitempty"`
	// +kubebuilder:default=3888
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Election int32 `json:"election,omitempty"`
	// +kubebuilder:default=7000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Metrics int32 `json:"metrics,omitempty"`
}

// MetricsSpec configures the Prometheus endpoint.
type MetricsSpec struct {
	// Enabled serves Prometheus metrics on ports.metrics and exposes the port.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled"`
}

// MemberRole is a member's role in the ensemble, as its srvr/mntr Mode reports it.
//
// +kubebuilder:validation:Enum=leader;follower;observer;standalone;unknown
type MemberRole string

const (
	RoleLeader     MemberRole = "leader"
	RoleFollower   MemberRole = "follower"
	RoleObserver   MemberRole = "observer"
	RoleStandalone MemberRole = "standalone"
	// RoleUnknown: the member did not answer, or is not serving (looking for a leader).
	RoleUnknown MemberRole = "unknown"
)

func (r MemberRole) String() string { return string(r) }

// MemberStatus is what the operator last observed of one member.
type MemberStatus struct {
	// ID is the member's myid (ordinal + 1).
	ID int64 `json:"id"`
	// Pod is the member's pod name.
	Pod string `json:"pod"`
	// +optional
	Role MemberRole `json:"role,omitempty"`
	// Zxid is the last zxid the member reported, in hex ("0x100000003"). A string because
	// JSON numbers lose precision above 2^53 and a zxid's high half is the epoch.
	// +optional
	Zxid string `json:"zxid,omitempty"`
	// LastSeen is when the member last answered.
	// +optional
	LastSeen *metav1.Time `json:"lastSeen,omitempty"`
}

// ZKEnsembleStatus is the observed state of an ensemble. The operator writes it in one place.
type ZKEnsembleStatus struct {
	// ObservedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Progressing, Degraded, QuorumHealthy (ConditionType), with reasons
	// from ConditionReason.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Replicas is the number of member pods that exist (scale subresource).
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// ReadyReplicas is the number of members that are part of a serving quorum.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// Selector is the label selector of the member pods, as a string (scale subresource, HPA).
	// +optional
	Selector string `json:"selector,omitempty"`

	// Leader is the pod name of the current leader; empty when there is none.
	// +optional
	Leader string `json:"leader,omitempty"`
	// Members lists every member, by ID.
	// +listType=map
	// +listMapKey=id
	// +optional
	Members []MemberStatus `json:"members,omitempty"`

	// ConfigHash is the hash of the zoo.cfg the operator last wrote (the pod annotation
	// zkensemble.io/config-hash of members that run it).
	// +optional
	ConfigHash string `json:"configHash,omitempty"`
	// ConfigVersion is the ensemble's configuration version as the leader reports it
	// (the version= line of /zookeeper/config, hex).
	// +optional
	ConfigVersion string `json:"configVersion,omitempty"`
	// ConfigVoters are the server ids the ensemble's configuration lists as participants
	// (voters), as last read from /zookeeper/config. Set only when the operator changes
	// membership through dynamic reconfiguration.
	// +listType=set
	// +optional
	ConfigVoters []int64 `json:"configVoters,omitempty"`
	// MembershipStep is the membership change under way or waited for ("Add 4: ...",
	// "Remove 5: ...", "Wait: ..."), empty when membership matches spec.replicas.
	// +optional
	MembershipStep string `json:"membershipStep,omitempty"`
}

// ZKEnsemble is a ZooKeeper-compatible ensemble run by the zkensemble operator.
//
// The name becomes the StatefulSet's name and a prefix of pod and Service names: 52 characters
// keep the StatefulSet's controller-revision-hash label and "<name>-headless" valid.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=zke,categories=zookeeper
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Leader",type=string,JSONPath=`.status.leader`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52",message="metadata.name must be at most 52 characters (it prefixes the StatefulSet, pod and Service names)"
type ZKEnsemble struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	// +optional
	Spec ZKEnsembleSpec `json:"spec,omitempty"`
	// +optional
	Status ZKEnsembleStatus `json:"status,omitempty"`
}

// ZKEnsembleList is a list of ZKEnsemble.
//
// +kubebuilder:object:root=true
type ZKEnsembleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ZKEnsemble `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ZKEnsemble{}, &ZKEnsembleList{})
}
