package compat

import (
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/test/harness"
)

// knownDifference is a reasoned, documented way our server may differ from Apache ZooKeeper in
// one scenario: transcript lines of the reference containing wantContains, and lines of ours
// containing gotContains, are left out of the comparison. Each entry must have a section in
// docs/compatibility.md. There are none: every difference is a bug until argued otherwise.
type knownDifference struct {
	scenario     string
	wantContains string
	gotContains  string
	reason       string // the heading in docs/compatibility.md
}

var knownDifferences = []knownDifference{}

// diffServerOptions configure every differential server alike: a super user (for the ACL
// scenarios) and the default tick, so min/max session timeouts are 4 s and 40 s.
func diffServerOptions() harness.Options {
	sum := sha1.Sum([]byte("super:" + superSecret))
	return harness.Options{Extra: map[string]string{
		"DigestAuthenticationProvider.superDigest": "super:" + base64.StdEncoding.EncodeToString(sum[:]),
	}}
}

// transcriptLines runs sc against addr and renders the normalised transcript.
func transcriptLines(t *testing.T, addr string, sc scenario) []string {
	r := newRunner(addr, t.Logf)
	entries := r.run(sc)
	return newNormalizer(r.baseZxid).render(entries)
}

// filterKnown drops the lines a known difference covers.
func filterKnown(lines []string, scenario string, pick func(knownDifference) string) []string {
	var out []string
	for _, l := range lines {
		skip := false
		for _, k := range knownDifferences {
			if s := pick(k); k.scenario == scenario && s != "" && strings.Contains(l, s) {
				skip = true
			}
		}
		if !skip {
			out = append(out, l)
		}
	}
	return out
}

// TestDifferential runs every scenario against Apache ZooKeeper and against the other server
// of each pair and compares the normalised transcripts line by line (one line per reply, event,
// handshake or close, each field rendered). The apache-vs-apache pair is the suite's self-test:
// it proves that normalisation removes everything that legitimately varies between two runs.
func TestDifferential(t *testing.T) {
	pairs := []struct {
		name  string
		other harness.Target
	}{
		{"apache-vs-apache", harness.Apache},
		{"apache-vs-zke", harness.ZKE},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			harness.SkipIfPending(t, p.other)
			if testing.Short() {
				t.Skip("starts servers")
			}
			ref := harness.Shared(t, harness.Apache, "diff-ref", diffServerOptions())
			other := harness.Shared(t, p.other, "diff-other", diffServerOptions())
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					want := transcriptLines(t, ref.Addr(), sc)
					got := transcriptLines(t, other.Addr(), sc)
					if p.other != harness.Apache {
						want = filterKnown(want, sc.name, func(k knownDifference) string { return k.wantContains })
						got = filterKnown(got, sc.name, func(k knownDifference) string { return k.gotContains })
					}
					w, g := strings.Join(want, "\n"), strings.Join(got, "\n")
					if d := lineDiff("apache", p.other.String(), w, g, 3); d != "" {
						t.Errorf("scenario %s: transcripts differ:\n%s", sc.name, d)
					}
					if testing.Verbose() {
						t.Logf("transcript (apache):\n%s", w)
					}
				})
			}
		})
	}
}
