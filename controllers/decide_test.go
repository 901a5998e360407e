package controllers

import (
	"errors"
	"testing"
)

func TestDecide(t *testing.T) {
	bad := errors.New("specs: invalid ZKEnsemble spec: x")
	tests := []struct {
		name string
		in   decisionInput
		want Step
	}{
		{"plain", decisionInput{}, StepApply},
		{"paused", decisionInput{Paused: true}, StepReport},
		{"paused with a broken spec", decisionInput{Paused: true, BuildErr: bad}, StepReport},
		{"broken spec", decisionInput{BuildErr: bad}, StepReport},
		{"deleting", decisionInput{Deleting: true}, StepReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(tt.in)
			if d.Step != tt.want || d.Why == "" {
				t.Errorf("decide(%+v) = %+v, want step %v with a reason", tt.in, d, tt.want)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	for got, want := range map[string]string{
		StepReport.String(): "Report", StepApply.String(): "Apply", Step(9).String(): "Step(9)",
		Unchanged.String(): "Unchanged", Created.String(): "Created", Updated.String(): "Updated", Outcome(5).String(): "Outcome(5)",
	} {
		if got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
