package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is the plumbing every server process of the harness shares (Server, Member,
// ProxiedMember): start in its own process group with output appended to a file, track the
// exit in the background, and signal the whole group. The zero value has never started.
type process struct {
	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed once cmd has been waited for
	waitErr error
	paused  bool // SIGSTOP sent and neither SIGCONT nor SIGKILL since
}

// start runs cmd with stdout and stderr appended to outPath, after a line that begins with
// startMarker followed by what (so OutputSinceStart finds each start), and returns once the
// process runs; it does not wait for it to serve.
func (p *process) start(cmd *exec.Cmd, outPath, what string) error {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("harness: open output: %w", err)
	}
	fmt.Fprintf(out, "%s%s: %s\n", startMarker, what, strings.Join(cmd.Args, " "))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so signals reach the JVM's children too; Pdeathsig kills the server if
	// the test binary dies without running its cleanups (e.g. on a panic or -timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("harness: start %s: %w", what, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.paused, p.waitErr = cmd, done, false, nil
	p.mu.Unlock()
	go func() {
		werr := cmd.Wait()
		out.Close()
		p.mu.Lock()
		p.waitErr = werr
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// running reports whether the process is alive (a paused process is), and its done channel
// (nil when it never started).
func (p *process) running() (chan struct{}, bool) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return nil, false
	}
	select {
	case <-done:
		return done, false
	default:
		return done, true
	}
}

// exitErr is what Wait returned for the last process; nil while it runs.
func (p *process) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// isPaused reports whether the process was stopped with SIGSTOP and not continued.
func (p *process) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// signal sends sig to the process group and returns the done channel to wait on.
func (p *process) signal(sig syscall.Signal) (chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return nil, ErrMemberDown
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return p.done, fmt.Errorf("harness: signal %v: %w", sig, err)
	}
	switch sig {
	case syscall.SIGSTOP:
		p.paused = true
	case syscall.SIGCONT, syscall.SIGKILL:
		p.paused = false
	}
	return p.done, nil
}

// kill sends SIGKILL (a crash: nothing is flushed) and waits for the process to go.
func (p *process) kill() error {
	if _, alive := p.running(); !alive {
		return ErrMemberDown
	}
	done, err := p.signal(syscall.SIGKILL)
	if err != nil {
		return err
	}
	<-done
	return nil
}

// terminate ends the process: SIGCONT (a stopped process cannot handle SIGTERM; harmless to a
// running one), SIGTERM, then SIGKILL after stopGrace. A process that is not running is left.
func (p *process) terminate() {
	if _, alive := p.running(); !alive {
		return
	}
	_, _ = p.signal(syscall.SIGCONT)
	done, err := p.signal(syscall.SIGTERM)
	if err != nil {
		return
	}
	select {
	case <-done:
	case <-time.After(stopGrace):
		if d, err := p.signal(syscall.SIGKILL); err == nil {
			<-d
		}
	}
}

// fileTail returns the last n lines of the file at path, or false when it cannot be read.
func fileTail(path string, n int) ([]string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, true
}

// srvrMode is the "Mode:" line of srvr at addr ("leader", "follower", ...), or "" when nothing
// there serves (or answers).
func srvrMode(addr string) string {
	out, err := FourLW(addr, "srvr")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Mode: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
