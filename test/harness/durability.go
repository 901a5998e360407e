package harness

import (
	"errors"
	"os"
	"os/exec"
	"strings"
)

// Helpers for the durability suites (test/durability), which stop a server, edit the files it
// left behind and start it again on the same directory.

// startMarker begins the process output of every start (see Server.start).
const startMarker = "==== harness: starting "

// Shutdown stops the process gracefully (SIGTERM, then SIGKILL after stopGrace) but, unlike
// Stop, keeps the server directory so a test can inspect or damage its files and call Restart.
func (s *Server) Shutdown() { s.terminate() }

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	_, alive := s.running()
	return alive
}

// ExitCode returns the exit status of the last process once it has ended: exited is false
// while it runs (or never started); code is -1 when it died from a signal.
func (s *Server) ExitCode() (code int, exited bool) {
	done, alive := s.running()
	if done == nil || alive {
		return 0, false
	}
	err := s.proc.exitErr()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, true
	case errors.As(err, &ee):
		return ee.ExitCode(), true
	}
	return -1, true
}

// OutputSinceStart returns what the process printed (stdout and stderr) since its most recent
// start, so a test can look for what one particular start-up logged.
func (s *Server) OutputSinceStart() string {
	data, err := os.ReadFile(s.outPath)
	if err != nil {
		return ""
	}
	out := string(data)
	if i := strings.LastIndex(out, startMarker); i >= 0 {
		return out[i:]
	}
	return out
}
