package compat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

const (
	cclientCmds   = "testdata/cclient.cmds"
	cclientGolden = "testdata/cclient.golden"
	// cli_mt answers some commands from its completion thread while the main thread reads the
	// next line, so commands are fed one at a time: the next goes once the output has been
	// quiet for cclientQuiet (bounded by cclientCmdMax).
	cclientQuiet   = 300 * time.Millisecond
	cclientCmdMax  = 5 * time.Second
	cclientTimeout = 2 * time.Minute
)

// syncBuffer is an io.Writer safe for the two output pipes, remembering when it last grew.
type syncBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	last time.Time
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = time.Now()
	return b.buf.Write(p)
}

func (b *syncBuffer) snapshot() (string, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.last
}

// waitQuiet waits until the buffer has grown past from and then been quiet for cclientQuiet.
func (b *syncBuffer) waitQuiet(from int, max time.Duration) string {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		s, last := b.snapshot()
		if len(s) > from && time.Since(last) >= cclientQuiet {
			return s[from:]
		}
		time.Sleep(20 * time.Millisecond)
	}
	s, _ := b.snapshot()
	return s[min(from, len(s)):]
}

var (
	cclientTimeLine = regexp.MustCompile(`^time = \d+ msec$`)
	cclientSession  = regexp.MustCompile(`^(Got a new session id: |session Id = )(0x)?([0-9a-f]+)$`)
	cclientDate     = regexp.MustCompile(`^(\s*[cm]time ?= ?)(.*)$`)
	cclientOwner    = regexp.MustCompile(`^(\s*ephemeralOwner = )([0-9a-f]+)$`)
)

// normalizeCClient makes one command's cli_mt output comparable: elapsed times dropped, dates
// (except the epoch) and session ids replaced, child names of ls sorted.
func normalizeCClient(cmd, out string, sessions sessionNames) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		l = strings.TrimRight(l, " ")
		switch {
		case l == "" || cclientTimeLine.MatchString(l):
			continue
		case cclientSession.MatchString(l):
			m := cclientSession.FindStringSubmatch(l)
			l = m[1] + sessions.name("0x"+m[3])
		case cclientDate.MatchString(l):
			if m := cclientDate.FindStringSubmatch(l); !strings.Contains(m[2], " 1970") {
				l = m[1] + "<TIME>"
			}
		case cclientOwner.MatchString(l):
			if m := cclientOwner.FindStringSubmatch(l); m[2] != "0" {
				l = m[1] + sessions.name("0x"+m[2])
			}
		}
		lines = append(lines, l)
	}
	if strings.HasPrefix(cmd, "ls") {
		// child names are the tab-indented lines without '='; ZooKeeper lists them in hash order
		var names []int
		for i, l := range lines {
			if strings.HasPrefix(l, "\t") && !strings.Contains(l, "=") {
				names = append(names, i)
			}
		}
		sorted := make([]string, 0, len(names))
		for _, i := range names {
			sorted = append(sorted, lines[i])
		}
		slices.Sort(sorted)
		for k, i := range names {
			lines[i] = sorted[k]
		}
	}
	return lines
}

// runCClient drives cli_mt against addr and returns the normalised transcript.
func runCClient(t *testing.T, addr string, cmds []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cclientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.DebianCliMT, addr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cli_mt: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	sessions := sessionNames{}
	var b strings.Builder
	// The session comes up asynchronously; wait for it before the first command.
	hello := out.waitQuiet(0, cclientCmdMax)
	for _, l := range normalizeCClient("", hello, sessions) {
		b.WriteString(l + "\n")
	}
	for _, c := range cmds {
		s, _ := out.snapshot()
		if _, err := io.WriteString(stdin, c+"\n"); err != nil {
			t.Fatalf("write %q to cli_mt: %v", c, err)
		}
		fmt.Fprintf(&b, "> %s\n", c)
		for _, l := range normalizeCClient(c, out.waitQuiet(len(s), cclientCmdMax), sessions) {
			b.WriteString(l + "\n")
		}
	}
	stdin.Close()
	return b.String()
}

func loadLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

// TestCClient drives the C client (cli_mt) through create/get/set/ls/exists/delete and their
// errors on a fresh server and compares with the transcript recorded from Apache ZooKeeper.
func TestCClient(t *testing.T) {
	cmds, err := loadLines(cclientCmds)
	if err != nil {
		t.Fatal(err)
	}
	forEachTarget(t, func(t *testing.T, target harness.Target) {
		srv := harness.Start(t, target, harness.Options{})
		got := runCClient(t, srv.Addr(), cmds)
		if *update && target == harness.Apache {
			if err := os.WriteFile(cclientGolden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(cclientGolden)
		if err != nil {
			t.Fatalf("%v (record it with -update against Apache)", err)
		}
		if d := lineDiff(cclientGolden, target.String(), string(want), got, 3); d != "" {
			t.Errorf("cli_mt transcript differs from Apache ZooKeeper's:\n%s", d)
		}
	})
}
