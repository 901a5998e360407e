package controllers

// The RBAC markers controller-gen turns into config/rbac/role.yaml (`make manifests`): the
// permissions the reconciler needs to own the objects pkg/specs builds and to observe the
// members. The Helm chart repeats these rules; test/envtest compares them.

// +kubebuilder:rbac:groups=zkensemble.io,resources=zkensembles,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=zkensemble.io,resources=zkensembles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=zkensemble.io,resources=zkensembles/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;configmaps;serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;update;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
