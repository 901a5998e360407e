package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/cli/zktest"
)

var (
	timeLine  = regexp.MustCompile(`(?m)^(ctime|mtime) = (.*)$`)
	eventLine = regexp.MustCompile(`(?m)^\nWATCHER::\n\nWatchedEvent [^\n]*\n`)
)

// normalize removes what legitimately differs between two runs of the same script: wall-clock
// times (except the epoch of the root node), the port, zkCli's banner lines about JLine and
// its version, and watch events, whose position in the output depends on thread timing (they
// are compared separately as a multiset).
func normalize(s string) (text string, events []string) {
	events = eventLine.FindAllString(s, -1)
	s = eventLine.ReplaceAllString(s, "")
	s = timeLine.ReplaceAllStringFunc(s, func(l string) string {
		if strings.HasSuffix(l, "Thu Jan 01 00:00:00 UTC 1970") {
			return l
		}
		return l[:8] + "<time>"
	})
	var out []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "Connecting to "), l == "JLine support is disabled",
			strings.HasPrefix(l, "ZooKeeper CLI version: "):
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n"), events
}

// TestShellMatchesZkCli runs each testdata/*.zk script through our shell against a fresh server
// and compares stdout and stderr with what zkCli.sh 3.8 printed for the same script
// (testdata/capture.sh).
func TestShellMatchesZkCli(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	if os.Getenv(zktest.EnvServer) != "" {
		// The golden files assume an empty tree and zxids counted from a fresh start.
		t.Skip("golden comparison needs a fresh server; $" + zktest.EnvServer + " is shared")
	}
	scripts, _ := filepathGlob("testdata/*.zk")
	if len(scripts) == 0 {
		t.Fatal("no testdata/*.zk scripts")
	}
	for _, script := range scripts {
		t.Run(script, func(t *testing.T) {
			srv := zktest.Start(t)
			in, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(script, ".zk")
			wantOut, _ := os.ReadFile(base + ".stdout")
			wantErr, _ := os.ReadFile(base + ".stderr")
			var out, errOut bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- Run(Config{Server: srv.Addr, In: bytes.NewReader(in), Out: &out, Err: &errOut, Loc: time.UTC})
			}()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("script did not finish in 60s")
			}
			gotText, gotEvents := normalize(out.String())
			wantText, wantEvents := normalize(string(wantOut))
			if gotText != wantText {
				t.Errorf("stdout differs from zkCli\n--- got\n%s\n--- want\n%s", gotText, wantText)
			}
			if errOut.String() != string(wantErr) {
				t.Errorf("stderr differs from zkCli\n--- got\n%s\n--- want\n%s", errOut.String(), wantErr)
			}
			if strings.Join(sortedCopy(gotEvents), "") != strings.Join(sortedCopy(wantEvents), "") {
				t.Errorf("watch events differ\n--- got\n%s\n--- want\n%s", gotEvents, wantEvents)
			}
		})
	}
}
