// Package quickstart checks the README's quick start: `zkensemble server` with no flags serves
// standalone on port 2181 with its data under the working directory, and both our CLI and Apache's
// zkCli.sh use it.
package quickstart

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/test/harness"
)

const zkCli = "/usr/share/zookeeper/bin/zkCli.sh"

func TestDefaultServerQuickStart(t *testing.T) {
	harness.LockClientPort2181(t) // pods or the server bind port 2181: see the harness
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin, err := harness.ZKEBinary()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:2181", time.Second); err == nil {
		c.Close()
		t.Fatal("port 2181 is already in use: this test checks the server's default port, stop whatever listens there")
	}
	work := t.TempDir()
	srv := exec.Command(bin, "server")
	srv.Dir = work
	out, err := os.Create(filepath.Join(work, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	srv.Stdout, srv.Stderr = out, out
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(work, "server.log"))
			t.Logf("server log:\n%s", b)
		}
	}()

	deadline := time.Now().Add(15 * time.Second)
	for {
		reply, err := harness.FourLW("127.0.0.1:2181", "srvr")
		if err == nil && strings.Contains(reply, "Mode: standalone") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no standalone server on 127.0.0.1:2181 within 15s (last: %v %q)", err, reply)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if fi, err := os.Stat(filepath.Join(work, "zkdata")); err != nil || !fi.IsDir() {
		t.Fatalf("data directory ./zkdata not created under the working directory: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ours, err := exec.CommandContext(ctx, bin, "cli", "-server", "127.0.0.1:2181", "create", "/quickstart", "hello").CombinedOutput()
	if err != nil || !strings.Contains(string(ours), "Created /quickstart") {
		t.Fatalf("zkensemble cli create: %v\n%s", err, ours)
	}
	theirs, err := exec.CommandContext(ctx, zkCli, "-server", "127.0.0.1:2181", "get", "/quickstart").CombinedOutput()
	if err != nil || !strings.Contains(string(theirs), "\nhello\n") {
		t.Fatalf("zkCli.sh get /quickstart did not print the data: %v\n%s", err, theirs)
	}

	// A graceful stop exits 0 and a restart in the same directory serves the same data.
	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("server did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop within 15s of SIGTERM")
	}
}

// Until replication is wired in, a zoo.cfg with several participants must be refused with a clear
// message, never served as if this process were a quorum member.
// TestEnsembleConfigWithoutMyIDRefused: an ensemble zoo.cfg needs to know which member this
// is (dataDir/myid, or POD_NAME in the operator's pods); without either the server refuses
// to start and says why. Ensemble mode itself is tested in test/ensemble.
func TestEnsembleConfigWithoutMyIDRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin, err := harness.ZKEBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	body := "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=" + filepath.Join(dir, "data") + "\nclientPort=21810\n" +
		"server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2888:3888\nserver.3=127.0.0.3:2888:3888\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "server", "--config", cfg)
	cmd.Env = append(os.Environ(), "POD_NAME=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("server started without a myid:\n%s", out)
	}
	if !strings.Contains(string(out), "has no myid file and POD_NAME is not set") {
		t.Fatalf("refusal does not say why:\n%s", out)
	}
}
