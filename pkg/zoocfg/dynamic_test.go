package zoocfg

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestConfigText(t *testing.T) {
	// Captured from Apache ZooKeeper 3.8.0 (reconfigEnabled, one-member quorum): the bytes of
	// /zookeeper/config.
	const real = "server.1=127.0.0.1:43493:60035:participant;127.0.0.1:53451\nversion=100000000"
	s, err := ParseServerLine("server.1", "127.0.0.1:43493:60035:participant;127.0.0.1:53451")
	if err != nil {
		t.Fatal(err)
	}
	if got := ConfigText([]ServerLine{s}, 0x100000000); got != real {
		t.Fatalf("ConfigText = %q, want %q", got, real)
	}
	servers := []ServerLine{
		{ID: 3, Host: "c", QuorumPort: 2888, ElectionPort: 3888, Type: Observer},
		{ID: 1, Host: "a", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
	}
	want := "server.1=a:2888:3888:participant;0.0.0.0:2181\nserver.3=c:2888:3888:observer\nversion=0"
	if got := ConfigText(servers, 0); got != want {
		t.Fatalf("ConfigText = %q, want %q", got, want)
	}
	d, err := ParseDynamic([]byte(want))
	if err != nil || !d.HasVersion || d.Version != 0 || len(d.Servers) != 2 {
		t.Fatalf("ParseDynamic(ConfigText) = %+v, %v", d, err)
	}
}

func TestParseDynamic(t *testing.T) {
	in := "server.2=b:2888:3888:participant;2181\nserver.1=a:2888:3888:participant;2181\n" +
		"group.1=1:2\nweight.1=1\nweight.2=1\nversion=10000000a\n"
	d, err := ParseDynamic([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Dynamic{
		Servers: []ServerLine{
			{ID: 1, Host: "a", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
			{ID: 2, Host: "b", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
		},
		Groups:  map[int64]string{1: "1:2"},
		Weights: map[int64]string{1: "1", 2: "1"},
		Version: 0x10000000a, HasVersion: true,
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	out := d.Marshal()
	const wantText = "server.1=a:2888:3888:participant;2181\nserver.2=b:2888:3888:participant;2181\n" +
		"group.1=1:2\nweight.1=1\nweight.2=1\nversion=10000000a\n"
	if string(out) != wantText {
		t.Fatalf("Marshal = %q, want %q", out, wantText)
	}
	d2, err := ParseDynamic(out)
	if err != nil || !reflect.DeepEqual(d, d2) {
		t.Fatalf("round trip = %+v, %v", d2, err)
	}
	d.HasVersion = false
	if string(d.Marshal()) == wantText {
		t.Fatal("version written without HasVersion")
	}
}

func TestParseDynamicErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"server.1=a:1:2\ntickTime=2000\n", ErrDynamicKey},
		{"server.1=a:1:2\nversion=xyz\n", ErrNotNumber},
		{"server.1=a:1\n", ErrServerLine},
		{"server.1=a:1:2\nserver.1=b:1:2\n", ErrDuplicateServer},
	}
	for _, tc := range tests {
		if _, err := ParseDynamic([]byte(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("ParseDynamic(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestVersionFromFilename(t *testing.T) {
	tests := []struct {
		name string
		v    int64
		ok   bool
	}{
		{"/conf/zoo.cfg.dynamic.100000000", 0x100000000, true},
		{"zoo.cfg.dynamic.0", 0, true},
		{"zoo.cfg.dynamic", 0, false},
		{"zoo.cfg.dynamic.", 0, false},
		{"dynamic", 0, false},
		{"/a.b/dynamic", 0, false},
	}
	for _, tc := range tests {
		v, ok := VersionFromFilename(tc.name)
		if v != tc.v || ok != tc.ok {
			t.Errorf("VersionFromFilename(%q) = %x, %v; want %x, %v", tc.name, v, ok, tc.v, tc.ok)
		}
	}
}

func TestEditStaticConfigAndDynamicFile(t *testing.T) {
	static := []byte("# a comment\ntickTime=2000\ndataDir=/data\nclientPort=2181\nserver.1=a:2888:3888;2181\nserver.2=b:2888:3888:participant;2181\ninitLimit=5\nreconfigEnabled=true\npeerType=participant\ndynamicConfigFile=/old.dynamic\n")
	got, err := EditStaticConfig(static, "/etc/zoo.cfg.dynamic.100000002", true)
	if err != nil {
		t.Fatal(err)
	}
	want := "tickTime=2000\ndataDir=/data\ninitLimit=5\nreconfigEnabled=true\ndynamicConfigFile=/etc/zoo.cfg.dynamic.100000002\n"
	if string(got) != want {
		t.Fatalf("edited zoo.cfg:\n%s\nwant:\n%s", got, want)
	}
	kept, err := EditStaticConfig(static, "/x", false)
	if err != nil || !bytes.Contains(kept, []byte("clientPort=2181\n")) {
		t.Fatalf("clientPort must stay when not erased: %q %v", kept, err)
	}
	if name := DynamicFileName("/etc/zoo.cfg", 0x100000002); name != "/etc/zoo.cfg.dynamic.100000002" {
		t.Fatalf("dynamic file name %q", name)
	}
	d, err := ParseDynamic([]byte("server.2=b:2888:3888:participant;2181\nserver.1=a:2888:3888:observer;10.0.0.1:2181\n"))
	if err != nil {
		t.Fatal(err)
	}
	content := string(DynamicFileContent(d.Servers))
	if content != "server.1=a:2888:3888:observer;10.0.0.1:2181\nserver.2=b:2888:3888:participant;0.0.0.0:2181\n" {
		t.Fatalf("dynamic file content %q", content)
	}
	// What we write, Load reads back: the round trip through ParseDynamic.
	back, err := ParseDynamic([]byte(content))
	if err != nil || len(back.Servers) != 2 || back.HasVersion {
		t.Fatalf("reparse: %+v %v", back, err)
	}
}
