package compat

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// The ensemble target: the same suites, with Apache ZooKeeper standalone as the reference and
// a 3-member zkensemble ensemble as the server under test. A client must not be able to tell
// an ensemble member from a standalone server except where ZooKeeper itself differs between
// the two, and those differences are normalised here, each named:
//
//   - zxid epoch: an ensemble's zxids carry the leader's epoch in their high 32 bits
//     (ZxidUtils.makeZxid), a fresh standalone server's are epoch 0. The differential
//     transcripts are relative to the scenario's first zxid already; the zkCli and cli_mt
//     transcripts print absolute zxids, so their high 32 bits are cleared (epochFree).
//   - which member a session talks to: the differential scenarios give each session label its
//     own member (runner.spread), so a watch set through one member fires for a change made
//     through another, and a session resumed under another label moves between members.
//
// Beyond those, only the ensembleDifferences below are excused, each shown to occur on an
// Apache ZooKeeper ensemble too; session ids, passwords, timeouts, errors, events and stats
// must otherwise match what Apache standalone sends.

// ensembleSize is the member count of the ensemble target.
const ensembleSize = 3

// ensembleTickMillis matches the reference server's tickTime so that session timeouts are
// clamped to the same [4 s, 40 s] (QuorumPeerConfig: 2 and 20 ticks).
const ensembleTickMillis = 2000

// startCompatEnsemble starts a fresh 3-member ensemble with the differential suite's zoo.cfg
// extras and returns it with its members' client addresses, followers first.
func startCompatEnsemble(t *testing.T) (*harness.Ensemble, []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an ensemble of server processes")
	}
	// extendedTypesEnabled as the reference has it (harness zooCfg), for the TTL scripts.
	extra := []string{"extendedTypesEnabled=true"}
	for k, v := range diffServerOptions().Extra {
		extra = append(extra, k+"="+v)
	}
	e := harness.StartEnsemble(t, ensembleSize, harness.EnsembleOptions{TickMillis: ensembleTickMillis, Extra: extra})
	leader, err := e.WaitLeader(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, m := range e.Members {
		if m != leader {
			addrs = append(addrs, m.Addr())
		}
	}
	return e, append(addrs, leader.Addr())
}

// epochZxidRe finds the zxids zkCli.sh (cZxid = 0x…) and cli_mt (czxid=…, hex without 0x:
// the C client prints them with %llx) print.
var epochZxidRe = regexp.MustCompile(`([cmp]Zxid = 0x|\t[cmp]zxid=)([0-9a-f]+)`)

// epochFree clears the epoch (high 32 bits) of every zxid the transcript prints.
func epochFree(transcript string) string {
	return epochZxidRe.ReplaceAllStringFunc(transcript, func(m string) string {
		sub := epochZxidRe.FindStringSubmatch(m)
		v, err := strconv.ParseUint(sub[2], 16, 64)
		if err != nil {
			return m
		}
		return sub[1] + strconv.FormatUint(v&0xffffffff, 16)
	})
}

func TestEpochFree(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"cZxid = 0x100000009", "cZxid = 0x9"},
		{"pZxid = 0xa", "pZxid = 0xa"},
		{"mZxid = 0x20000000b", "mZxid = 0xb"},
		{"\tczxid=100000002", "\tczxid=2"},
		{"\tmzxid=30000001f", "\tmzxid=1f"},
		{"\tmzxid=4", "\tmzxid=4"},
		{"dataLength = 4294967298", "dataLength = 4294967298"},
		{"Zxid: 0x100000002", "Zxid: 0x100000002"},
	} {
		if got := epochFree(tc.in); got != tc.want {
			t.Errorf("epochFree(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// ensembleDifference is a way every ensemble, Apache's included, differs from a standalone
// server in one scenario once its sessions are spread over members: the exact normalised lines
// only the standalone reference sends and only the ensemble sends. TestEnsembleDifferential
// proves each entry inherent by running the scenarios against an Apache ZooKeeper ensemble too;
// an entry that does not occur fails the test.
type ensembleDifference struct {
	scenario   string
	reason     string
	standalone []string
	ensemble   []string
}

// rSessionMoved: a session resumed on another member leaves its old connection open on the old
// member. Standalone, the one server sees the new connection for the session and closes the old
// one (ZooKeeperServer.reconnectSession closes any connection of the session on this server);
// in an ensemble no member closes a connection because the session moved elsewhere: the old
// connection keeps answering pings and reads until it sends a write, which the leader refuses
// with SessionMoved and the member then closes (ZOOKEEPER-710).
const rSessionMoved = "session moved to another member: the old connection stays open until it writes (ZOOKEEPER-710)"

// rConfigNode: an ensemble's /zookeeper/config holds its membership, "server.N=…" lines and
// "version=<config version in hex>" (QuorumPeer's QuorumVerifier written by
// ZKDatabase.initConfigInZKDatabase); a standalone server's is empty. Addresses are normalised
// by ensembleLines.
const rConfigNode = "/zookeeper/config holds the ensemble's server lines"

var ensembleDifferences = []ensembleDifference{
	{scenario: "reads", reason: rConfigNode,
		standalone: []string{`a reply   getData xid=25 zxid=+6 err=OK {Data:"" Stat:{Czxid:0 Mzxid:0 Ctime:0 Mtime:0 Version:0 Cversion:0 Aversion:-1 EphemeralOwner:0x0 DataLength:0 NumChildren:0 Pzxid:0}}`},
		ensemble:   []string{`a reply   getData xid=25 zxid=+6 err=OK {Data:"server.1=<addr>:<port>:participant;<addr>\nserver.2=<addr>:<port>:participant;<addr>\nserver.3=<addr>:<port>:participant;<addr>\nversion=0" Stat:{Czxid:0 Mzxid:0 Ctime:0 Mtime:<time> Version:-1 Cversion:0 Aversion:-1 EphemeralOwner:0x0 DataLength:<n> NumChildren:0 Pzxid:0}}`},
	},
	{scenario: "handshake-resume", reason: rSessionMoved,
		standalone: []string{"a closed "},
		ensemble:   []string{"a timeout connection stayed open", "a reply   ping xid=-2 zxid=+1 err=OK"},
	},
}

var (
	memberAddrRe   = regexp.MustCompile(`127\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+`)
	peerPortsRe    = regexp.MustCompile(`<addr>:[0-9]+(:participant|:observer)`)
	configLengthRe = regexp.MustCompile(`DataLength:[0-9]+`)
)

// ensembleLines normalises what names the ensemble's own members in a transcript: the
// client and peer addresses in /zookeeper/config (free ports picked per run), and so that
// node's length.
func ensembleLines(lines []string) []string {
	out := slices.Clone(lines)
	for i, l := range out {
		if !strings.Contains(l, "server.1=") {
			continue
		}
		l = memberAddrRe.ReplaceAllString(l, "<addr>")
		l = peerPortsRe.ReplaceAllString(l, "<addr>:<port>$1")
		out[i] = configLengthRe.ReplaceAllString(l, "DataLength:<n>")
	}
	return out
}

// dropEnsembleKnown removes the lines pick selects from the ensemble differences of scenario,
// as dropKnown does for knownDifferences.
func dropEnsembleKnown(lines []string, scenario string, pick func(ensembleDifference) []string) (out, missing []string) {
	out = slices.Clone(lines)
	for _, k := range ensembleDifferences {
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

// startApacheEnsemble starts a 3-member Apache ZooKeeper ensemble configured like
// startCompatEnsemble's and returns its members' client addresses, followers first.
func startApacheEnsemble(t *testing.T) []string {
	t.Helper()
	extra := maps.Clone(diffServerOptions().Extra)
	extra["extendedTypesEnabled"] = "true"
	e, err := harness.LaunchProxiedEnsemble(harness.Apache, ensembleSize, harness.ProxiedOptions{TickTimeMS: ensembleTickMillis, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("apache ensemble logs:\n%s", e.LogTails(40))
		}
		e.Stop()
	})
	leader, err := e.WaitLeader(90 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, m := range e.Members {
		if m.ID != leader {
			addrs = append(addrs, m.Addr())
		}
	}
	return append(addrs, e.ClientAddr(leader))
}

// TestEnsembleDifferential runs every differential scenario against Apache standalone and
// against a 3-member ensemble with each session on its own member, and compares the
// transcripts as TestDifferential does. The apache-ensemble pair is the self-test: what
// differs there and is listed in ensembleDifferences is inherent to ensembles; zke-ensemble
// must then differ in exactly those lines plus the knownDifferences of the standalone suite.
// The Apache ensemble starts three more JVMs; -short skips it.
func TestEnsembleDifferential(t *testing.T) {
	for _, target := range []harness.Target{harness.Apache, harness.ZKE} {
		t.Run(target.String()+"-ensemble", func(t *testing.T) {
			var spread []string
			if target == harness.ZKE {
				_, spread = startCompatEnsemble(t)
			} else {
				if testing.Short() {
					t.Skip("starts an ensemble of server processes")
				}
				spread = startApacheEnsemble(t)
			}
			ref := harness.Shared(t, harness.Apache, "diff-ref", diffServerOptions())
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					want := transcriptLines(t, ref.Addr(), sc)
					r := newRunner(spread[0], t.Logf)
					r.spread = spread
					entries := r.run(sc)
					got := ensembleLines(newNormalizer(r.baseZxid).render(entries))
					var m1, m2, m3, m4 []string
					if target == harness.ZKE {
						want, m1 = dropKnown(want, sc.name, func(k knownDifference) []string { return k.apache })
						got, m2 = dropKnown(got, sc.name, func(k knownDifference) []string { return k.zke })
					}
					want, m3 = dropEnsembleKnown(want, sc.name, func(k ensembleDifference) []string { return k.standalone })
					got, m4 = dropEnsembleKnown(got, sc.name, func(k ensembleDifference) []string { return k.ensemble })
					for _, m := range slices.Concat(m1, m2, m3, m4) {
						t.Errorf("listed difference not seen against the %v ensemble: %s", target, m)
					}
					w, g := strings.Join(want, "\n"), strings.Join(got, "\n")
					if d := lineDiff("apache-standalone", target.String()+"-ensemble", w, g, 3); d != "" {
						t.Errorf("scenario %s: transcripts differ (sessions on %v):\n%s", sc.name, spreadNote(r), d)
					}
				})
			}
		})
	}
}

// spreadNote says which member each session label used, for a failure message.
func spreadNote(r *runner) string {
	var parts []string
	for _, label := range sortedLabels(r.sessions) {
		if i, ok := r.memberOf[label]; ok {
			parts = append(parts, fmt.Sprintf("%s→%s", label, r.spread[i]))
		}
	}
	return strings.Join(parts, " ")
}

// TestEnsembleZkCli replays the zkCli.sh sessions against one follower of a fresh ensemble and
// compares with the golden output recorded from Apache standalone, epochs cleared and the
// ensemble's /zookeeper/config checked then folded to the standalone node (standaloneConfigNode).
func TestEnsembleZkCli(t *testing.T) {
	scripts, err := loadZkCliScripts(zkcliDir)
	if err != nil {
		t.Fatal(err)
	}
	_, spread := startCompatEnsemble(t)
	follower := spread[0]
	sessions := sessionNames{}
	for _, s := range scripts {
		got := epochFree(normalizeZkCli(runZkCli(t, follower, s.cmds), s.cmds, follower, sessions))
		got = standaloneConfigNode(t, got)
		golden := filepath.Join(zkcliDir, s.name+".golden")
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if d := lineDiff(golden, "zke-ensemble follower", string(want), got, 3); d != "" {
			t.Errorf("zkCli session %s against a follower differs from Apache standalone:\n%s", s.name, d)
		}
	}
}

var (
	zkCliServerLineRe = regexp.MustCompile(`^server\.[0-9]+=\S+:[0-9]+:[0-9]+:participant;\S+$`)
	zkCliDataLenRe    = regexp.MustCompile(`^dataLength = [1-9][0-9]*$`)
)

// standaloneConfigNode turns what zkCli's `config` shows of an ensemble's /zookeeper/config
// into what a standalone server shows (see rConfigNode): each `config` output must be exactly
// ensembleSize server lines then "version=0", which are dropped, and in a `config -s` stat the
// node's Version -1, a set mtime and a non-zero length become the standalone node's 0, epoch
// and 0. Anything else in those outputs is left for the golden diff to catch.
func standaloneConfigNode(t *testing.T, transcript string) string {
	t.Helper()
	lines := strings.Split(transcript, "\n")
	var out []string
	inConfig, inStat, sawVersion := false, false, false
	servers := 0
	for i := 0; i <= len(lines); i++ {
		if i == len(lines) || strings.HasPrefix(lines[i], "> ") {
			if inConfig && !sawVersion {
				t.Errorf("config output ended after %d server lines without version=0", servers)
			}
			if i == len(lines) {
				break
			}
		}
		l := lines[i]
		if strings.HasPrefix(l, "> ") {
			sawVersion = false
			inConfig = l == "> config" || l == "> config -s"
			inStat = l == "> config -s"
			servers = 0
			out = append(out, l)
			continue
		}
		if inConfig {
			switch {
			case zkCliServerLineRe.MatchString(l):
				servers++
				continue
			case l == "version=0":
				if servers != ensembleSize {
					t.Errorf("config showed %d server lines, want %d", servers, ensembleSize)
				}
				servers, sawVersion = 0, true
				continue
			}
		}
		if inStat {
			switch {
			case l == "mtime = <TIME>":
				l = "mtime = Thu Jan 01 00:00:00 UTC 1970"
			case l == "dataVersion = -1":
				l = "dataVersion = 0"
			case zkCliDataLenRe.MatchString(l):
				l = "dataLength = 0"
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestEnsembleCClient drives cli_mt against one follower of a fresh ensemble and compares with
// the transcript recorded from Apache standalone, epochs cleared.
func TestEnsembleCClient(t *testing.T) {
	cmds, err := loadLines(cclientCmds)
	if err != nil {
		t.Fatal(err)
	}
	_, spread := startCompatEnsemble(t)
	got := epochFree(runCClient(t, spread[0], cmds))
	want, err := os.ReadFile(cclientGolden)
	if err != nil {
		t.Fatal(err)
	}
	if d := lineDiff(cclientGolden, "zke-ensemble follower", string(want), got, 3); d != "" {
		t.Errorf("cli_mt transcript against a follower differs from Apache standalone:\n%s", d)
	}
}

// Every ensemble difference is argued in docs/compatibility.md under a heading named by its
// reason, as the knownDifferences are.
func TestEnsembleDifferencesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/compatibility.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ensembleDifferences {
		if !strings.Contains(string(doc), "\n### "+k.reason+"\n") {
			t.Errorf("docs/compatibility.md has no section %q (scenario %s)", "### "+k.reason, k.scenario)
		}
	}
}

func TestEnsembleLines(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a reply   getData xid=25 zxid=+6 err=OK {Data:"server.1=127.0.0.1:34011:35077:participant;127.0.0.1:43837\nversion=0" Stat:{DataLength:186 NumChildren:0}}`,
			`a reply   getData xid=25 zxid=+6 err=OK {Data:"server.1=<addr>:<port>:participant;<addr>\nversion=0" Stat:{DataLength:<n> NumChildren:0}}`},
		{`a reply   getData xid=3 zxid=+1 err=OK {Data:"127.0.0.1:2181" Stat:{DataLength:14}}`,
			`a reply   getData xid=3 zxid=+1 err=OK {Data:"127.0.0.1:2181" Stat:{DataLength:14}}`},
	} {
		if got := ensembleLines([]string{tc.in})[0]; got != tc.want {
			t.Errorf("ensembleLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
