package harness

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Errors returned by Launch and Restart.
var (
	ErrNotReady  = errors.New("harness: server did not answer srvr in time")
	ErrExited    = errors.New("harness: server exited during start-up")
	ErrPortInUse = errors.New("harness: client port already in use")
	ErrBadTarget = errors.New("harness: unknown target")
)

const (
	// readyTimeout bounds how long a server may take to answer srvr (a cold JVM takes 1-3 s on
	// this machine; 30 s leaves room for a loaded CI box).
	readyTimeout = 30 * time.Second
	// stopGrace is how long SIGTERM may take before SIGKILL.
	stopGrace = 10 * time.Second
	// startAttempts bounds retries after another process grabbed the port we picked.
	startAttempts = 4
	logTailLines  = 80
)

// Server is one running server process (Apache or ZKE) with its own directory.
type Server struct {
	Target Target
	Opts   Options

	dir      string // root of everything this server writes; removed by Stop unless kept
	dataDir  string
	cfgPath  string
	outPath  string // the process's stdout and stderr
	logPath  string // Apache's log4j file; empty for ZKE, which logs to stdout
	port     int
	keepDir  bool
	proc     process
	restarts int
}

// Addr is the client address, "127.0.0.1:PORT".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the client port.
func (s *Server) Port() int { return s.port }

// Dir is the directory holding zoo.cfg, the data dir and the logs.
func (s *Server) Dir() string { return s.dir }

// DataDir is the server's dataDir.
func (s *Server) DataDir() string { return s.dataDir }

// FourLW sends a four-letter word and returns the answer, or "" when the exchange failed.
func (s *Server) FourLW(cmd string) string {
	out, err := FourLW(s.Addr(), cmd)
	if err != nil {
		return ""
	}
	return out
}

// Launch starts a server of the given target and waits until it answers srvr. The caller must
// call Stop. Prefer StartApache/StartZKE/Start in tests; they register the cleanup.
func Launch(target Target, opts Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "zkharness-"+target.String()+"-")
	if err != nil {
		return nil, fmt.Errorf("harness: temp dir: %w", err)
	}
	s := &Server{
		Target:  target,
		Opts:    opts,
		dir:     dir,
		dataDir: filepath.Join(dir, "data"),
		cfgPath: filepath.Join(dir, "zoo.cfg"),
		outPath: filepath.Join(dir, "process.out"),
	}
	if target == Apache {
		s.logPath = filepath.Join(dir, "zookeeper.log")
	}
	if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("harness: data dir: %w", err)
	}
	for attempt := 1; ; attempt++ {
		if s.port, err = FreePort(); err != nil {
			break
		}
		if err = os.WriteFile(s.cfgPath, []byte(zooCfg(s.dataDir, s.port, opts)), 0o644); err != nil {
			break
		}
		err = s.start()
		if err == nil || !errors.Is(err, ErrPortInUse) || attempt == startAttempts {
			break
		}
	}
	if err != nil {
		s.keepDir = true
		s.Stop()
		return nil, fmt.Errorf("%w (server dir kept: %s)\n%s", err, dir, s.LogTail(logTailLines))
	}
	return s, nil
}

// command builds the process for s.Target.
func (s *Server) command() (*exec.Cmd, error) {
	switch s.Target {
	case Apache:
		return apacheCommand(s)
	case ZKE:
		return zkeCommand(s)
	}
	return nil, fmt.Errorf("%w: %v", ErrBadTarget, s.Target)
}

// start runs the process and waits for srvr.
func (s *Server) start() error {
	cmd, err := s.command()
	if err != nil {
		return err
	}
	if err := s.proc.start(cmd, s.outPath, fmt.Sprintf("%v on port %d", s.Target, s.port)); err != nil {
		return err
	}
	done, _ := s.proc.running()
	return s.waitReady(done)
}

// waitReady polls srvr until the server says which mode it serves in.
func (s *Server) waitReady(done chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			if strings.Contains(s.LogTail(200), "Address already in use") {
				return fmt.Errorf("%w: %d", ErrPortInUse, s.port)
			}
			return fmt.Errorf("%w: %v", ErrExited, s.proc.exitErr())
		default:
		}
		if out, err := FourLW(s.Addr(), "srvr"); err == nil && strings.Contains(out, "Mode:") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = s.proc.kill()
	return fmt.Errorf("%w (%v, port %d)", ErrNotReady, readyTimeout, s.port)
}

// running reports whether the process is alive, and its done channel.
func (s *Server) running() (chan struct{}, bool) { return s.proc.running() }

// terminate sends SIGTERM, waits stopGrace, then SIGKILL.
func (s *Server) terminate() { s.proc.terminate() }

// Kill sends SIGKILL (a crash: nothing is flushed) and waits for the process to go.
func (s *Server) Kill() { _ = s.proc.kill() }

// Restart stops the server gracefully if it runs, then starts it again on the same port with
// the same dataDir and zoo.cfg, and waits for srvr.
func (s *Server) Restart() error {
	s.terminate()
	s.restarts++
	return s.start()
}

// Stop ends the process (SIGTERM, then SIGKILL) and removes the server directory unless it is
// kept for a failed test. Safe to call twice.
func (s *Server) Stop() {
	s.terminate()
	if !s.keepDir && s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// Keep marks the server directory to survive Stop (done automatically for failed tests).
func (s *Server) Keep() { s.keepDir = true }

// LogTail returns the last n lines of the process output and of Apache's log file.
func (s *Server) LogTail(n int) string {
	var b strings.Builder
	for _, p := range []string{s.outPath, s.logPath} {
		if p == "" {
			continue
		}
		lines, ok := fileTail(p, n)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "---- last %d lines of %s\n%s\n", len(lines), p, strings.Join(lines, "\n"))
	}
	return b.String()
}

// ReportOnFailure registers a cleanup on t that, if t failed, keeps the server directory and
// logs the tail of the server log. Shared servers use it per test.
func (s *Server) ReportOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if t.Failed() {
			s.Keep()
			t.Logf("%v server at %s (dir %s):\n%s", s.Target, s.Addr(), s.dir, s.LogTail(logTailLines))
		}
	})
}

// Start launches a server of target for t and stops it when t ends. A start that fails fails t.
func Start(t testing.TB, target Target, opts Options) *Server {
	t.Helper()
	s, err := Launch(target, opts)
	if err != nil {
		t.Fatalf("start %v server: %v", target, err)
	}
	// Cleanups run last-in first-out: the report must read the log before Stop removes it.
	t.Cleanup(s.Stop)
	s.ReportOnFailure(t)
	return s
}

// StartApache starts Debian's Apache ZooKeeper 3.8 for t.
func StartApache(t testing.TB, opts Options) *Server {
	t.Helper()
	return Start(t, Apache, opts)
}

// StartZKE starts `zkensemble server` for t, building the binary once per test binary (or
// using $ZKE_BIN).
func StartZKE(t testing.TB, opts Options) *Server {
	t.Helper()
	return Start(t, ZKE, opts)
}
