package cli

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"ls /", []string{"ls", "/"}},
		{"  create   /a   b  ", []string{"create", "/a", "b"}},
		{`create /a "two words"`, []string{"create", "/a", "two words"}},
		{`create /a 'it is'`, []string{"create", "/a", "it is"}},
		{`set /a x"y`, []string{"set", "/a", `x"y`}},
		{`set /a ""`, []string{"set", "/a", ""}},
	}
	for _, c := range cases {
		if got := Tokenize(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	base := func(k Kind, path string) Command {
		return Command{Kind: k, Path: path, Version: -1, BatchSize: 1000}
	}
	cases := []struct {
		line    string
		want    func(c *Command)
		kind    Kind
		errIs   error
		errText string
	}{
		{line: "ls -s -w /a", kind: KindLs, want: func(c *Command) { *c = base(KindLs, "/a"); c.WithStat, c.Watch = true, true }},
		{line: "ls -sR /a", kind: KindLs, want: func(c *Command) { *c = base(KindLs, "/a"); c.WithStat, c.Recursive = true, true }},
		{line: "ls /a watch", kind: KindLs, want: func(c *Command) {
			*c = base(KindLs, "/a")
			c.Watch = true
			c.Warning = "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead."
		}},
		{line: "ls", errIs: ErrUsage, errText: "ls [-s] [-w] [-R] path"},
		{line: "get -z /a", errIs: ErrUsage, errText: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -z"},
		{line: "set /a x -v", errIs: ErrUsage, errText: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"},
		{line: "set /a x -v 3 -s", kind: KindSet, want: func(c *Command) {
			*c = base(KindSet, "/a")
			c.Data, c.HasData, c.Version, c.WithStat = []byte("x"), true, 3, true
		}},
		{line: "set -v3 /a x", kind: KindSet, want: func(c *Command) {
			*c = base(KindSet, "/a")
			c.Data, c.HasData, c.Version = []byte("x"), true, 3
		}},
		{line: "delete -v -1 /a", kind: KindDelete, want: func(c *Command) { *c = base(KindDelete, "/a") }},
		{line: "delete -v x /a", errIs: ErrUsage, errText: "-v argument must be an int value"},
		{line: "create -e -s /a d world:anyone:r", kind: KindCreate, want: func(c *Command) {
			*c = base(KindCreate, "/a")
			c.Ephemeral, c.Sequential, c.Data, c.HasData, c.ACLText, c.HasACL = true, true, []byte("d"), true, "world:anyone:r", true
		}},
		{line: "create -t 100 -s /a", kind: KindCreate, want: func(c *Command) {
			*c = base(KindCreate, "/a")
			c.HasTTL, c.TTLMillis, c.Sequential = true, 100, true
		}},
		{line: "create -c -s /a", errIs: ErrUsage, errText: "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential."},
		{line: "create -t 0 /a", errIs: ErrUsage, errText: "ttl must be positive and cannot be larger than: 1099511627775"},
		{line: "create -t x /a", errIs: ErrUsage, errText: "-t argument must be a long value"},
		{line: "create -e -t 5 /a", errIs: ErrUsage, errText: "TTLs cannot be used with Ephemeral znodes"},
		{line: "deleteall /a -b 10", kind: KindDeleteAll, want: func(c *Command) { *c = base(KindDeleteAll, "/a"); c.BatchSize = 10 }},
		{line: "addWatch -m persistent /a", kind: KindAddWatch, want: func(c *Command) { *c = base(KindAddWatch, "/a"); c.WatchMode = protocol.AddWatchPersistent }},
		{line: "addWatch /a", kind: KindAddWatch, want: func(c *Command) {
			*c = base(KindAddWatch, "/a")
			c.WatchMode = protocol.AddWatchPersistentRecursive
		}},
		{line: "addWatch -m nope /a", errIs: ErrUsage},
		{line: "removewatches /a -c -l", kind: KindRemoveWatches, want: func(c *Command) {
			*c = base(KindRemoveWatches, "/a")
			c.WatcherType, c.Local = protocol.WatcherChildren, true
		}},
		{line: "getEphemerals", kind: KindGetEphemerals, want: func(c *Command) { *c = base(KindGetEphemerals, "/") }},
		{line: "addauth digest u:p", kind: KindAddAuth, want: func(c *Command) {
			*c = base(KindAddAuth, "")
			c.Scheme, c.Auth, c.HasAuth = "digest", []byte("u:p"), true
		}},
		{line: "printwatches maybe", kind: KindPrintWatches, want: func(c *Command) { *c = base(KindPrintWatches, ""); c.PrintWatches = "off" }},
		{line: "config -c -s", kind: KindConfig, want: func(c *Command) { *c = base(KindConfig, ""); c.ClientConfigOnly, c.WithStat = true, true }},
		{line: "help", errIs: ErrCommandNotFound, errText: "Command not found: Command not found help"},
		{line: "setquota -n 1 /a", errIs: ErrNotSupported},
		{line: "version x", errIs: ErrUsage, errText: "version "},
	}
	for _, c := range cases {
		tokens := Tokenize(c.line)
		got, err := Parse(tokens)
		if c.errIs != nil {
			if !errors.Is(err, c.errIs) || (c.errText != "" && err.Error() != c.errText) {
				t.Errorf("Parse(%q) error = %v, want %v %q", c.line, err, c.errIs, c.errText)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.line, err)
			continue
		}
		var want Command
		c.want(&want)
		want.Args = tokens
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.line, got, want)
		}
	}
}

func TestCreateMode(t *testing.T) {
	cases := []struct {
		line string
		want protocol.CreateMode
	}{
		{"create /a", protocol.ModePersistent},
		{"create -e /a", protocol.ModeEphemeral},
		{"create -s /a", protocol.ModePersistentSequential},
		{"create -e -s /a", protocol.ModeEphemeralSequential},
		{"create -c /a", protocol.ModeContainer},
		{"create -t 10 /a", protocol.ModePersistentWithTTL},
		{"create -s -t 10 /a", protocol.ModePersistentSequentialWithTTL},
	}
	for _, c := range cases {
		cmd, err := Parse(Tokenize(c.line))
		if err != nil {
			t.Fatal(err)
		}
		if got := cmd.CreateMode(); got != c.want {
			t.Errorf("%q: mode %v, want %v", c.line, got, c.want)
		}
	}
}
