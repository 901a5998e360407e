package controllers

import "fmt"

// Step is what one reconcile does to the cluster. Every step but StepApply changes nothing;
// later steps (restart one member, transfer leadership, reconfig a member in or out) are added
// here and chosen from the same observation.
type Step int

const (
	// StepReport: change nothing, only observe and write status.
	StepReport Step = iota
	// StepApply: server-side apply every desired object (create what is missing, correct
	// drift, roll a spec change into the objects; pods restart only when deleted, OnDelete).
	StepApply
)

func (s Step) String() string {
	switch s {
	case StepReport:
		return "Report"
	case StepApply:
		return "Apply"
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// decisionInput is the part of the observation the decision reads.
type decisionInput struct {
	// Deleting: the ZKEnsemble has a deletion timestamp; the garbage collector removes what it
	// owns through owner references, so there is nothing to do.
	Deleting bool
	// Paused is spec.paused.
	Paused bool
	// BuildErr is the builders' error: the spec cannot be turned into objects.
	BuildErr error
}

// decision is the step and the reason for it, for logs.
type decision struct {
	Step Step
	Why  string
}

// decide picks the next step. Order matters: a paused ensemble is left alone even when its
// spec is broken (the user is doing surgery), and nothing is applied from a spec that does
// not build, so the last good objects keep running.
func decide(in decisionInput) decision {
	switch {
	case in.Deleting:
		return decision{StepReport, "being deleted: owned objects go with it"}
	case in.Paused:
		return decision{StepReport, "spec.paused is set"}
	case in.BuildErr != nil:
		return decision{StepReport, "spec cannot be built: " + in.BuildErr.Error()}
	}
	return decision{StepApply, "bring owned objects to the spec"}
}
