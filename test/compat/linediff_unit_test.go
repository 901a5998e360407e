package compat

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, want, got string
		wantEmpty       bool
		contains        []string
	}{
		{"equal", "a\nb", "a\nb", true, nil},
		{"changed line", "a\nb\nc", "a\nX\nc", false, []string{"- b", "+ X", "  a", "  c"}},
		{"added line", "a\nc", "a\nb\nc", false, []string{"+ b"}},
		{"removed line", "a\nb\nc", "a\nc", false, []string{"- b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := lineDiff("want", "got", tc.want, tc.got, 1)
			if (d == "") != tc.wantEmpty {
				t.Fatalf("lineDiff empty=%v, want %v:\n%s", d == "", tc.wantEmpty, d)
			}
			for _, c := range tc.contains {
				if !strings.Contains(d, c+"\n") {
					t.Errorf("diff lacks line %q:\n%s", c, d)
				}
			}
		})
	}
}
