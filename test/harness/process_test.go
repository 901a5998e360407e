package harness

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The shared process plumbing on a plain `sleep`: start writes the marker, pause/continue track
// paused, terminate ends a stopped process, kill of a dead one says ErrMemberDown.
func TestProcessLifecycle(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep binary")
	}
	out := filepath.Join(t.TempDir(), "process.out")
	var p process
	if _, alive := p.running(); alive {
		t.Fatal("zero process reports running")
	}
	if err := p.start(exec.Command("sleep", "30"), out, "sleeper"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.kill() })
	if _, alive := p.running(); !alive {
		t.Fatal("started process not running")
	}
	if _, err := p.signal(syscall.SIGSTOP); err != nil || !p.isPaused() {
		t.Fatalf("SIGSTOP: err %v, paused %v", err, p.isPaused())
	}
	began := time.Now()
	p.terminate() // must SIGCONT first, or SIGTERM would wait stopGrace for SIGKILL
	if d := time.Since(began); d > stopGrace/2 {
		t.Fatalf("terminate of a paused process took %v", d)
	}
	if _, alive := p.running(); alive || p.isPaused() {
		t.Fatalf("after terminate: alive %v, paused %v", alive, p.isPaused())
	}
	if p.exitErr() == nil {
		t.Fatal("sleep ended by SIGTERM but exitErr is nil")
	}
	if err := p.kill(); !errors.Is(err, ErrMemberDown) {
		t.Fatalf("kill of an exited process = %v, want ErrMemberDown", err)
	}
	lines, ok := fileTail(out, 5)
	if !ok || len(lines) != 1 || !strings.HasPrefix(lines[0], startMarker+"sleeper: sleep 30") {
		t.Fatalf("output tail = %q (ok %v)", lines, ok)
	}
}
