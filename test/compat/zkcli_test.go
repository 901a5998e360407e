package compat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

// zkCli.sh prints no prompt when stdin is not a terminal, so the runner follows every scripted
// command with a bare `printwatches`, a local command whose only effect is to print
// "printwatches is on|off" (ZooKeeperMain.processZKCmd); those lines cut the output into one
// segment per command.
const (
	zkcliMarkerCmd = "printwatches"
	// zkcliTimeout bounds one zkCli.sh session (a JVM start plus a few dozen requests).
	zkcliTimeout = 60 * time.Second
	zkcliDir     = "testdata/zkcli"
)

// zkcliScript is one zkCli.sh session: the commands of testdata/zkcli/NAME.cli.
type zkcliScript struct {
	name string
	cmds []string
}

// loadZkCliScripts reads every *.cli file in dir, sorted by name. Lines starting with # and
// blank lines are ignored; {{addr}} is replaced by the server address when run.
func loadZkCliScripts(dir string) ([]zkcliScript, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.cli"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []zkcliScript
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := zkcliScript{name: strings.TrimSuffix(filepath.Base(f), ".cli")}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if line == zkcliMarkerCmd {
				return nil, fmt.Errorf("%s: %q is reserved as the output separator", f, zkcliMarkerCmd)
			}
			s.cmds = append(s.cmds, line)
		}
		out = append(out, s)
	}
	return out, nil
}

// zkcliStdin interleaves the marker command after every command; a script not ending in quit
// gets one so the JVM exits.
func zkcliStdin(cmds []string, addr string) string {
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(strings.ReplaceAll(c, "{{addr}}", addr) + "\n")
		if c == "quit" {
			return b.String()
		}
		b.WriteString(zkcliMarkerCmd + "\n")
	}
	b.WriteString("quit\n")
	return b.String()
}

// runZkCli runs one zkCli.sh session against addr and returns stdout and stderr merged in order.
func runZkCli(t *testing.T, addr string, cmds []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), zkcliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.DebianZkCli, "-server", addr)
	cmd.Stdin = strings.NewReader(zkcliStdin(cmds, addr))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// TZ fixes the date format; the JVM flags only make the client start faster.
	cmd.Env = append(os.Environ(), "TZ=UTC", "CLIENT_JVMFLAGS="+strings.Join(harness.JVMFlags, " "))
	if err := cmd.Run(); err != nil {
		t.Fatalf("zkCli.sh %s: %v (ctx %v)\n%s", addr, err, ctx.Err(), out.String())
	}
	return out.String()
}

// zkcliNoise are lines of zkCli.sh output that say nothing about the server.
// zkcliClosedEvent is the client-local event of a closing session.
const zkcliClosedEvent = "WatchedEvent state:Closed type:None path:null"

var zkcliNoise = []string{"SLF4J:", "Connecting to ", "Welcome to ZooKeeper!", "JLine support is", "WATCHER::"}

var (
	zkcliTimeRe  = regexp.MustCompile(`^([cm]time) = (.*)$`)
	zkcliOwnerRe = regexp.MustCompile(`^ephemeralOwner = (0x[0-9a-f]+)$`)
	zkcliListRe  = regexp.MustCompile(`^\[(.*)\]$`)
)

// sessionNames maps session ids to S1, S2, ... in order of first appearance.
type sessionNames map[string]string

func (m sessionNames) name(id string) string {
	if n, ok := m[id]; ok {
		return n
	}
	n := fmt.Sprintf("S%d", len(m)+1)
	m[id] = n
	return n
}

// isSessionOwner says whether an ephemeralOwner value is a session id, as opposed to 0 or the
// container and TTL markers, which are deterministic and kept (EphemeralType.java).
func isSessionOwner(hex string) bool {
	if hex == "0x0" || hex == "0x8000000000000000" {
		return false
	}
	return !(len(hex) == 18 && strings.HasPrefix(hex, "0xff"))
}

// normalizeZkCli turns raw zkCli.sh output for cmds into the golden transcript: one "> cmd"
// block per command with its output, then the watch events in arrival order. Volatile parts are
// replaced: times (except the epoch the root carries) by <TIME>, session ids by S1.., the server
// address by <ADDR>. Lists of names are sorted and `ls -R` lines too, since ZooKeeper returns
// children in hash order; so are whoami's ids. Blank lines are dropped: the watcher thread prints them at
// unpredictable points.
func normalizeZkCli(raw string, cmds []string, addr string, sessions sessionNames) string {
	var events, kept []string
	// zkCli's watcher thread prints "\nWATCHER::" and "\nWatchedEvent ..." (ZooKeeperMain's
	// printMessage prefixes a newline). When it lands in the middle of a line the main thread is
	// printing (e.g. "[" of `ls -s`), the line before "WATCHER::" is that fragment, not followed
	// by the blank line a complete line would leave: rejoin the fragment with the next kept line.
	prevRaw, joinNext := "", false
	for _, line := range strings.Split(strings.ReplaceAll(raw, "\r", ""), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "WATCHER::" && prevRaw != "" && len(kept) > 0 && kept[len(kept)-1] == prevRaw {
			joinNext = true
		}
		prevRaw = line
		if line == "" || slices.ContainsFunc(zkcliNoise, func(p string) bool { return strings.HasPrefix(line, p) }) {
			continue
		}
		if line == zkcliClosedEvent {
			// Printed by the client itself while zkCli.sh exits (ClientCnxn's close), often after
			// the JVM stopped printing: says nothing about the server and appears at random.
			continue
		}
		if strings.HasPrefix(line, "WatchedEvent ") {
			events = append(events, line)
			continue
		}
		if joinNext {
			kept[len(kept)-1] += line
			joinNext = false
			continue
		}
		kept = append(kept, line)
	}
	var segments [][]string
	cur := []string{}
	for _, line := range kept {
		if line == "printwatches is on" || line == "printwatches is off" {
			segments = append(segments, cur)
			cur = []string{}
			continue
		}
		cur = append(cur, line)
	}
	segments = append(segments, cur)

	var b strings.Builder
	for i, c := range cmds {
		fmt.Fprintf(&b, "> %s\n", c)
		if i >= len(segments) {
			b.WriteString("!! no output segment (zkCli.sh stopped early)\n")
			continue
		}
		seg := segments[i]
		for j, line := range seg {
			seg[j] = normalizeZkCliLine(line, addr, sessions)
		}
		switch {
		case strings.HasPrefix(c, "ls ") && strings.Contains(c, "-R"):
			slices.Sort(seg)
		case c == "whoami" && len(seg) > 1:
			// The server keeps a session's auth ids in no defined order.
			slices.Sort(seg[1:])
		}
		for _, line := range seg {
			b.WriteString(line + "\n")
		}
	}
	for _, extra := range segments[min(len(cmds), len(segments)):] {
		for _, line := range extra {
			fmt.Fprintf(&b, "!! unexpected: %s\n", normalizeZkCliLine(line, addr, sessions))
		}
	}
	b.WriteString("== events\n")
	for _, e := range events {
		b.WriteString(e + "\n")
	}
	return b.String()
}

func normalizeZkCliLine(line, addr string, sessions sessionNames) string {
	line = strings.ReplaceAll(line, addr, "<ADDR>")
	if m := zkcliTimeRe.FindStringSubmatch(line); m != nil && !strings.Contains(m[2], " 1970") {
		return m[1] + " = <TIME>"
	}
	if m := zkcliOwnerRe.FindStringSubmatch(line); m != nil && isSessionOwner(m[1]) {
		return "ephemeralOwner = " + sessions.name(m[1])
	}
	if m := zkcliListRe.FindStringSubmatch(line); m != nil && m[1] != "" {
		items := strings.Split(m[1], ", ")
		slices.Sort(items)
		return "[" + strings.Join(items, ", ") + "]"
	}
	return line
}

// TestZkCli replays every testdata/zkcli/*.cli session, in name order, on one fresh server
// (so zxids are deterministic and kept) and compares with the golden output recorded from
// Apache ZooKeeper.
func TestZkCli(t *testing.T) {
	scripts, err := loadZkCliScripts(zkcliDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatalf("no scripts in %s", zkcliDir)
	}
	forEachTarget(t, func(t *testing.T, target harness.Target) {
		srv := harness.Start(t, target, harness.Options{})
		sessions := sessionNames{}
		for _, s := range scripts {
			got := normalizeZkCli(runZkCli(t, srv.Addr(), s.cmds), s.cmds, srv.Addr(), sessions)
			golden := filepath.Join(zkcliDir, s.name+".golden")
			if *update && target == harness.Apache {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%s: %v (record it with -update against Apache)", s.name, err)
			}
			if d := lineDiff(golden, target.String(), string(want), got, 3); d != "" {
				t.Errorf("zkCli session %s differs from Apache ZooKeeper's:\n%s", s.name, d)
			}
		}
	})
}
