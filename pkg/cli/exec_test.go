package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/cli/zktest"
)

// fakeConn is an in-memory tree with just enough of Conn for the executor tests; methods it does
// not override panic through the nil embedded interface, which would fail the test loudly.
type fakeConn struct {
	Conn
	children map[string][]string
	multis   [][]string
	closed   bool
}

func (f *fakeConn) Children(p string) ([]string, *zk.Stat, error) {
	ch, ok := f.children[p]
	if !ok {
		return nil, nil, zk.ErrNoNode
	}
	return ch, &zk.Stat{NumChildren: int32(len(ch))}, nil
}

func (f *fakeConn) Multi(ops ...any) ([]zk.MultiResponse, error) {
	var paths []string
	for _, op := range ops {
		paths = append(paths, op.(*zk.DeleteRequest).Path)
	}
	f.multis = append(f.multis, paths)
	return nil, nil
}

func (f *fakeConn) Close()          { f.closed = true }
func (f *fakeConn) State() zk.State { return zk.StateHasSession }

func TestDeleteAllBatches(t *testing.T) {
	f := &fakeConn{children: map[string][]string{"/a": {"b", "c"}, "/a/b": {"d"}, "/a/c": nil, "/a/b/d": nil}}
	var out, errOut bytes.Buffer
	x := &Executor{Conn: f, Out: &out, Err: &errOut}
	if err := x.ExecLine("deleteall /a -b 2"); err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, m := range f.multis {
		got += "[" + strings.Join(m, " ") + "]"
	}
	// Breadth-first list /a /a/b /a/c /a/b/d, deleted in reverse, two per multi.
	if want := "[/a/b/d /a/c][/a/b /a]"; got != want {
		t.Errorf("multis %s, want %s", got, want)
	}
	if err := x.ExecLine("deleteall /missing"); err == nil || err.Error() != "Node does not exist: /missing" {
		t.Errorf("deleteall /missing: %v", err)
	}
}

func TestExecWithoutExtOrConn(t *testing.T) {
	var out, errOut bytes.Buffer
	x := &Executor{Conn: &fakeConn{}, Out: &out, Err: &errOut}
	err := x.ExecLine("whoami")
	if !errors.Is(err, ErrNotSupported) || errOut.String() != "whoami is not supported by this client yet\n" {
		t.Errorf("whoami without Ext: %v, stderr %q", err, errOut.String())
	}
	if err := x.ExecLine("close"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := x.ExecLine("ls /"); !errors.Is(err, ErrNotConnected) || out.String() != "Not connected\n" {
		t.Errorf("after close: %v, stdout %q", err, out.String())
	}
	out.Reset()
	x.ExecLine("history")
	if want := "0 - whoami\n1 - close\n2 - ls /\n3 - history\n"; out.String() != want {
		t.Errorf("history %q, want %q", out.String(), want)
	}
	x.ExecLine("quit")
	if !x.Quit {
		t.Error("quit did not set Quit")
	}
}

// TestOneShot checks `zkensemble cli -server s cmd args` exit codes and output against a real
// server.
func TestOneShot(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(Config{Server: srv.Addr, Command: args, Out: &out, Err: &errOut, Loc: time.UTC, ConnectWait: 20 * time.Second})
		return code, out.String(), errOut.String()
	}
	path := "/oneshot-" + strings.ReplaceAll(t.Name(), "/", "_")
	if code, _, stderr := run("create", path, "v1"); code != 0 || stderr != "Created "+path+"\n" {
		t.Fatalf("create: %d %q", code, stderr)
	}
	code, stdout, _ := run("get", path)
	if code != 0 || !strings.HasSuffix(stdout, "\nv1\n") {
		t.Errorf("get: %d %q", code, stdout)
	}
	if code, _, stderr := run("get", path+"-missing"); code != 1 || stderr != "Node does not exist: "+path+"-missing\n" {
		t.Errorf("get missing: %d %q", code, stderr)
	}
	if code, stdout, _ := run("getAllChildrenNumber", path); code != 0 || !strings.HasSuffix(stdout, "\n0\n") {
		t.Errorf("getAllChildrenNumber: %d %q", code, stdout)
	}
	if code, _, _ := run("delete", path); code != 0 {
		t.Errorf("delete: %d", code)
	}
	var out, errOut bytes.Buffer
	code = Run(Config{Server: "127.0.0.1:1", Command: []string{"ls", "/"}, Out: &out, Err: &errOut, ConnectWait: 500 * time.Millisecond})
	if code != 1 || !strings.Contains(errOut.String(), "could not establish a session") {
		t.Errorf("no server: %d %q", code, errOut.String())
	}
}

// TestPrompt checks the interactive prompt text and numbering.
func TestPrompt(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a ZooKeeper server")
	}
	srv := zktest.Start(t)
	var out, errOut bytes.Buffer
	Run(Config{Server: srv.Addr, In: strings.NewReader("ls /zookeeper\n\nversion\n"), Out: &out, Err: &errOut, Prompt: true})
	for _, want := range []string{"[zk: " + srv.Addr + "(CONNECTED) 0] [config, quota]\n", "[zk: " + srv.Addr + "(CONNECTED) 1] ZooKeeper CLI version: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
