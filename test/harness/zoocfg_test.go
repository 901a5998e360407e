package harness

import (
	"strings"
	"testing"
)

func TestZooCfg(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		want      []string
		notWanted []string
	}{
		{"defaults", Options{}, []string{"tickTime=2000\n", "clientPort=2181\n", "clientPortAddress=127.0.0.1\n",
			"4lw.commands.whitelist=*\n", "extendedTypesEnabled=true\n", "admin.enableServer=false\n", "dataDir=/d\n"}, nil},
		{"tick", Options{TickTimeMS: 500}, []string{"tickTime=500\n"}, []string{"tickTime=2000"}},
		{"extra overrides", Options{Extra: map[string]string{"extendedTypesEnabled": "false", "maxSessionTimeout": "9000"}},
			[]string{"extendedTypesEnabled=false\n", "maxSessionTimeout=9000\n"}, []string{"extendedTypesEnabled=true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := zooCfg("/d", 2181, tc.opts)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("zoo.cfg lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWanted {
				if strings.Contains(got, w) {
					t.Errorf("zoo.cfg has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestTargetString(t *testing.T) {
	for tg, want := range map[Target]string{Apache: "apache", ZKE: "zke", Target(9): "Target(9)"} {
		if got := tg.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(tg), got, want)
		}
	}
}
