package compat

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/test/harness"
)

// knownDifference is a reasoned, documented way our server differs from Apache ZooKeeper 3.8.0
// (the Debian reference) in one scenario: the exact normalised transcript lines only Apache
// sends and the exact lines only we send. Each listed line is removed once from its transcript
// before the comparison; a listed line that does not occur fails the test, so an entry cannot
// outlive the difference it excuses. Every entry is a behaviour ZooKeeper changed after 3.8.0
// (we match 3.9, see ../shared/REFERENCE.md); its reason is the heading of its section in
// docs/compatibility.md, "Known differences".
type knownDifference struct {
	scenario string
	reason   string
	apache   []string // lines Apache 3.8.0 sends and we do not
	zke      []string // lines we send and Apache 3.8.0 does not
}

// Reasons: each is the ZooKeeper issue whose fix (released in 3.9) the difference follows.
const (
	r4026 = "ZOOKEEPER-4026: create2, createTTL and createContainer inside multi answer with a Stat"
	r2623 = "ZOOKEEPER-2623: a check outside multi is refused"
	r4466 = "ZOOKEEPER-4466: different watch modes on the same path"
	r4472 = "ZOOKEEPER-4472: persistent watches are checked and removed by their own WatcherType"
	r2590 = "ZOOKEEPER-2590: exists checks READ permission"
)

var knownDifferences = []knownDifference{
	{scenario: "multi-success", reason: r4026,
		apache: []string{
			"a reply   multi xid=3 zxid=+2 err=OK {Results:[{Type:create Err:OK Resp:{Path:\"/diff-multi-success/m/a\"}} {Type:create Err:OK Resp:{Path:\"/diff-multi-success/m/b0000000001\"}} {Type:create Err:OK Resp:{Path:\"/diff-multi-success/m/e\"}} {Type:setData Err:OK Resp:{Stat:{Czxid:+2 Mzxid:+2 Ctime:<time> Mtime:<time> Version:1 Cversion:0 Aversion:0 EphemeralOwner:0x0 DataLength:2 NumChildren:0 Pzxid:+2}}} {Type:check Err:OK Resp:nil} {Type:check Err:OK Resp:nil} {Type:delete Err:OK Resp:nil}]}",
		},
		zke: []string{
			"a reply   multi xid=3 zxid=+2 err=OK {Results:[{Type:create Err:OK Resp:{Path:\"/diff-multi-success/m/a\"}} {Type:create2 Err:OK Resp:{Path:\"/diff-multi-success/m/b0000000001\" Stat:{Czxid:+2 Mzxid:+2 Ctime:<time> Mtime:<time> Version:0 Cversion:0 Aversion:0 EphemeralOwner:0x0 DataLength:1 NumChildren:0 Pzxid:+2}}} {Type:create2 Err:OK Resp:{Path:\"/diff-multi-success/m/e\" Stat:{Czxid:+2 Mzxid:+2 Ctime:<time> Mtime:<time> Version:0 Cversion:0 Aversion:0 EphemeralOwner:S1 DataLength:1 NumChildren:0 Pzxid:+2}}} {Type:setData Err:OK Resp:{Stat:{Czxid:+2 Mzxid:+2 Ctime:<time> Mtime:<time> Version:1 Cversion:0 Aversion:0 EphemeralOwner:0x0 DataLength:2 NumChildren:0 Pzxid:+2}}} {Type:check Err:OK Resp:nil} {Type:check Err:OK Resp:nil} {Type:delete Err:OK Resp:nil}]}",
		},
	},
	{scenario: "check-outside-multi", reason: r2623,
		apache: []string{
			"a reply   check xid=3 zxid=+3 err=BADVERSION",
			"b reply   check xid=1 zxid=+4 err=NONODE",
			"a reply   ping xid=-2 zxid=+4 err=OK",
			"b reply   ping xid=-2 zxid=+4 err=OK",
		},
		zke: []string{
			"a reply   check xid=3 zxid=-1 err=UNIMPLEMENTED",
			"b reply   check xid=1 zxid=-1 err=UNIMPLEMENTED",
			"a closed ",
			"b closed ",
		},
	},
	{scenario: "persistent-watches", reason: r4466,
		zke: []string{
			"a event   NodeDataChanged SyncConnected \"/diff-persistent-watches/p\" xid=-1 zxid=-1 err=OK",
			"a event   NodeCreated SyncConnected \"/diff-persistent-watches/p\" xid=-1 zxid=-1 err=OK",
		},
	},
	{scenario: "persistent-watches", reason: r4472,
		apache: []string{
			"a reply   checkWatches xid=5 zxid=+9 err=MARSHALLINGERROR",
			"a reply   removeWatches xid=7 zxid=+9 err=MARSHALLINGERROR",
			"a reply   removeWatches xid=8 zxid=+9 err=MARSHALLINGERROR",
		},
		zke: []string{
			"a reply   checkWatches xid=5 zxid=+9 err=OK",
			"a reply   removeWatches xid=7 zxid=+9 err=OK",
			"a reply   removeWatches xid=8 zxid=+9 err=NOWATCHER",
		},
	},
	{scenario: "recursive-watches", reason: r4472,
		apache: []string{
			"a reply   checkWatches xid=6 zxid=+9 err=MARSHALLINGERROR",
			"a reply   removeWatches xid=7 zxid=+10 err=MARSHALLINGERROR",
		},
		zke: []string{
			"a reply   checkWatches xid=6 zxid=+9 err=OK",
			"a reply   removeWatches xid=7 zxid=+10 err=OK",
		},
	},
	{scenario: "check-remove-watches", reason: r4466,
		apache: []string{
			"a reply   checkWatches xid=20 zxid=+1 err=MARSHALLINGERROR",
		},
		zke: []string{
			"a reply   checkWatches xid=20 zxid=+1 err=NOWATCHER",
		},
	},
	{scenario: "delete-triggers-all", reason: r4466,
		zke: []string{
			"a event   NodeChildrenChanged SyncConnected \"/diff-delete-triggers-all/d\" xid=-1 zxid=-1 err=OK",
		},
	},
	{scenario: "acl-perms", reason: r2590,
		apache: []string{
			"a reply   exists xid=24 zxid=+14 err=OK {Stat:{Czxid:+9 Mzxid:+12 Ctime:<time> Mtime:<time> Version:1 Cversion:1 Aversion:1 EphemeralOwner:0x0 DataLength:1 NumChildren:1 Pzxid:+10}}",
			"a reply   exists xid=37 zxid=+22 err=OK {Stat:{Czxid:+17 Mzxid:+17 Ctime:<time> Mtime:<time> Version:0 Cversion:2 Aversion:1 EphemeralOwner:0x0 DataLength:0 NumChildren:2 Pzxid:+21}}",
			"a reply   exists xid=50 zxid=+30 err=OK {Stat:{Czxid:+25 Mzxid:+25 Ctime:<time> Mtime:<time> Version:0 Cversion:2 Aversion:1 EphemeralOwner:0x0 DataLength:0 NumChildren:0 Pzxid:+30}}",
			"a reply   exists xid=63 zxid=+38 err=OK {Stat:{Czxid:+33 Mzxid:+33 Ctime:<time> Mtime:<time> Version:0 Cversion:1 Aversion:1 EphemeralOwner:0x0 DataLength:0 NumChildren:1 Pzxid:+34}}",
			"a reply   exists xid=76 zxid=+46 err=OK {Stat:{Czxid:+41 Mzxid:+41 Ctime:<time> Mtime:<time> Version:0 Cversion:1 Aversion:1 EphemeralOwner:0x0 DataLength:0 NumChildren:1 Pzxid:+42}}",
		},
		zke: []string{
			"a reply   exists xid=24 zxid=+14 err=NOAUTH",
			"a reply   exists xid=37 zxid=+22 err=NOAUTH",
			"a reply   exists xid=50 zxid=+30 err=NOAUTH",
			"a reply   exists xid=63 zxid=+38 err=NOAUTH",
			"a reply   exists xid=76 zxid=+46 err=NOAUTH",
		},
	},
}

// dropKnown removes from lines one occurrence of each line pick selects from the known
// differences of scenario, and returns the listed lines it did not find.
func dropKnown(lines []string, scenario string, pick func(knownDifference) []string) (out, missing []string) {
	out = slices.Clone(lines)
	for _, k := range knownDifferences {
		if k.scenario != scenario {
			continue
		}
		for _, l := range pick(k) {
			i := slices.Index(out, l)
			if i < 0 {
				missing = append(missing, fmt.Sprintf("%s (%s)", l, k.reason))
				continue
			}
			out = slices.Delete(out, i, i+1)
		}
	}
	return out, missing
}

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
						var missW, missG []string
						want, missW = dropKnown(want, sc.name, func(k knownDifference) []string { return k.apache })
						got, missG = dropKnown(got, sc.name, func(k knownDifference) []string { return k.zke })
						for _, m := range missW {
							t.Errorf("known difference no longer sent by apache (update knownDifferences and docs/compatibility.md): %s", m)
						}
						for _, m := range missG {
							t.Errorf("known difference no longer sent by %v (update knownDifferences and docs/compatibility.md): %s", p.other, m)
						}
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
