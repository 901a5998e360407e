package v1alpha1

// ConditionType is the type of a condition in ZKEnsembleStatus.Conditions.
type ConditionType string

// The condition types the operator reports. Each is always present once the operator has
// reconciled the object, True or False with a reason below.
const (
	// Ready: every member is part of a serving quorum and runs the current configuration.
	ConditionReady ConditionType = "Ready"
	// Progressing: the operator is moving the ensemble towards the spec (creating, scaling,
	// restarting members one by one).
	ConditionProgressing ConditionType = "Progressing"
	// Degraded: something needs a human: the spec cannot be applied, or a member keeps failing.
	ConditionDegraded ConditionType = "Degraded"
	// QuorumHealthy: a leader exists and more than a majority of voters follow it, so one more
	// member can fail without the ensemble stopping.
	ConditionQuorumHealthy ConditionType = "QuorumHealthy"
)

func (t ConditionType) String() string { return string(t) }

// ConditionReason is the reason of a condition: CamelCase, one word, as metav1.Condition wants.
type ConditionReason string

// Reasons, grouped by the condition they are used with.
const (
	// Ready
	ReasonAllMembersReady ConditionReason = "AllMembersReady"
	ReasonMembersNotReady ConditionReason = "MembersNotReady"
	ReasonConfigOutdated  ConditionReason = "ConfigOutdated" // members still run an older zoo.cfg

	// Progressing
	ReasonCreating       ConditionReason = "Creating"
	ReasonScalingUp      ConditionReason = "ScalingUp"
	ReasonScalingDown    ConditionReason = "ScalingDown"
	ReasonRollingRestart ConditionReason = "RollingRestart"
	// TransferringLeadership: the leader is being reconfigured out and back in so a
	// successor it designates leads before its restart (dynamic membership only).
	ReasonTransferringLeadership ConditionReason = "TransferringLeadership"
	ReasonUpToDate               ConditionReason = "UpToDate" // with False: nothing left to do
	ReasonPaused                 ConditionReason = "Paused"   // spec.paused: the operator changes nothing

	// Degraded
	ReasonAsExpected     ConditionReason = "AsExpected" // with False
	ReasonInvalidSpec    ConditionReason = "InvalidSpec"
	ReasonInvalidConfig  ConditionReason = "InvalidConfig" // serverConfig refused by zoo.cfg parsing
	ReasonReconcileError ConditionReason = "ReconcileError"
	ReasonMemberFailing  ConditionReason = "MemberFailing" // a member crash-loops or stays unready
	// ReasonTLSSecretNotReady: spec.tls's Secret is missing or lacks a key; nothing is
	// applied until it is there (also the Progressing reason then).
	ReasonTLSSecretNotReady ConditionReason = "TLSSecretNotReady"

	// QuorumHealthy
	ReasonQuorumHealthy ConditionReason = "QuorumHealthy"
	ReasonQuorumAtRisk  ConditionReason = "QuorumAtRisk" // exactly a majority: one more failure stops it
	ReasonQuorumLost    ConditionReason = "QuorumLost"   // no majority: writes and reads stop
	ReasonNoLeader      ConditionReason = "NoLeader"
	ReasonUnknown       ConditionReason = "Unknown" // members not observed yet
)

func (r ConditionReason) String() string { return string(r) }
