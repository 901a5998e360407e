package zoocfg

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadDynamic loads the pair of files Apache ZooKeeper 3.8 leaves behind after starting with
// reconfigEnabled=true: the static file rewritten without server lines, and the dynamic file
// named by its version, holding no version line and no trailing newline.
func TestLoadDynamic(t *testing.T) {
	dir := t.TempDir()
	dyn := filepath.Join(dir, "zoo.cfg.dynamic.100000000")
	writeFile(t, dyn, "server.1=127.0.0.1:43493:60035:participant;127.0.0.1:53451\n"+
		"server.2=127.0.0.2:43493:60035:participant;127.0.0.2:53451\n"+
		"server.3=127.0.0.3:43493:60035:observer;127.0.0.3:53451")
	static := filepath.Join(dir, "zoo.cfg")
	writeFile(t, static, "standaloneEnabled=false\nadmin.enableServer=false\ndataDir="+dir+"\ntickTime=2000\n"+
		"initLimit=5\nsyncLimit=2\nreconfigEnabled=true\ndynamicConfigFile="+dyn+"\n")
	c, _, err := Load(static)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Servers) != 3 || c.Servers[2].Type != Observer || c.DynamicVersion != 0x100000000 || !c.Distributed() {
		t.Fatalf("Load = %+v", c)
	}
	if len(c.Participants()) != 2 || len(c.Observers()) != 1 {
		t.Fatalf("participants %v observers %v", c.Participants(), c.Observers())
	}

	// A relative dynamicConfigFile is found next to the static file.
	writeFile(t, static, "dataDir="+dir+"\ninitLimit=5\nsyncLimit=2\ndynamicConfigFile=zoo.cfg.dynamic.100000000\n")
	if c, _, err = Load(static); err != nil || len(c.Servers) != 3 {
		t.Fatalf("relative dynamic file: %+v, %v", c, err)
	}

	// ZooKeeper refuses a version line inside the dynamic file.
	writeFile(t, dyn, "server.1=a:1:2\nversion=1\n")
	if _, _, err := Load(static); !errors.Is(err, ErrDynamicKey) {
		t.Fatalf("version in dynamic file: %v", err)
	}
	// Membership rules apply to the merged result.
	writeFile(t, dyn, "server.1=a:1:2\nserver.2=b:1:2\n")
	writeFile(t, static, "dataDir="+dir+"\ndynamicConfigFile="+dyn+"\n")
	if _, _, err := Load(static); !errors.Is(err, ErrMissing) {
		t.Fatalf("ensemble without initLimit via dynamic file: %v", err)
	}
	if _, _, err := Load(filepath.Join(dir, "absent.cfg")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestReadMyID(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadMyID(dir); !errors.Is(err, ErrMyID) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing myid: %v", err)
	}
	tests := []struct {
		content string
		want    int64
		err     error
	}{
		{"1\n", 1, nil},
		{"42", 42, nil},
		{" 7 \nignored\n", 7, nil},
		{"255\n", 255, nil},
		{"0\n", 0, ErrMyID},
		{"256\n", 0, ErrMyID},
		{"one\n", 0, ErrMyID},
		{"", 0, ErrMyID},
	}
	for _, tc := range tests {
		writeFile(t, filepath.Join(dir, MyIDFile), tc.content)
		got, err := ReadMyID(dir)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("myid %q: got %d, %v; want %d, %v", tc.content, got, err, tc.want, tc.err)
		}
	}
	id, err := ParseMyID(WriteMyIDContent(3))
	if err != nil || id != 3 {
		t.Fatalf("WriteMyIDContent round trip: %d, %v", id, err)
	}
}
