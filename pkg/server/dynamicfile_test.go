package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// TestWriteDynamicConfigInPlace: with an in-place dynamic file (the operator's layout: zoo.cfg
// read-only from a ConfigMap, the dynamic file on the data volume) the new membership replaces
// that file and zoo.cfg is not touched; with ZooKeeper's own layout a versioned file is
// written and zoo.cfg pointed at it.
func TestWriteDynamicConfigInPlace(t *testing.T) {
	servers := []zoocfg.ServerLine{
		{ID: 1, Host: "10.0.0.1", QuorumPort: 2888, ElectionPort: 3888, Type: zoocfg.Participant, ClientPort: 2181},
		{ID: 2, Host: "10.0.0.2", QuorumPort: 2888, ElectionPort: 3888, Type: zoocfg.Participant, ClientPort: 2181},
	}
	dir := t.TempDir()
	cfgDir, dataDir := filepath.Join(dir, "etc"), filepath.Join(dir, "data")
	for _, d := range []string{cfgDir, dataDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	static := "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=" + dataDir + "\nreconfigEnabled=true\ndynamicConfigFile=" + dataDir + "/zoo.cfg.dynamic\n"
	cfg := filepath.Join(cfgDir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(static), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "zoo.cfg.dynamic"), []byte("server.1=10.0.0.1:2888:3888:participant;2181\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeDynamicConfig(cfg, filepath.Join(dataDir, "zoo.cfg.dynamic"), servers, 0x100000003, 1); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dataDir, "zoo.cfg.dynamic"))
	if !strings.Contains(string(got), "server.2=10.0.0.2:2888:3888:participant;") {
		t.Errorf("dynamic file after the reconfig:\n%s", got)
	}
	if after, _ := os.ReadFile(cfg); string(after) != static {
		t.Errorf("zoo.cfg was changed:\n%s", after)
	}
	loaded, _, err := zoocfg.Load(cfg)
	if err != nil {
		t.Errorf("reloading zoo.cfg with the new dynamic file: %v", err)
	} else if len(loaded.Servers) != 2 {
		t.Errorf("reloaded %d servers, want 2", len(loaded.Servers))
	}
	if m, _ := filepath.Glob(filepath.Join(cfgDir, "zoo.cfg.dynamic.*")); len(m) != 0 {
		t.Errorf("versioned files written beside a read-only zoo.cfg: %v", m)
	}

	// ZooKeeper's layout: server lines in zoo.cfg, no dynamicConfigFile yet.
	zkCfg := filepath.Join(dir, "zk.cfg")
	if err := os.WriteFile(zkCfg, []byte("tickTime=2000\ndataDir="+dataDir+"\nserver.1=10.0.0.1:2888:3888;2181\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeDynamicConfig(zkCfg, "", servers, 0x100000003, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(zkCfg + ".dynamic.100000003"); err != nil {
		t.Errorf("versioned dynamic file: %v", err)
	}
	if after, _ := os.ReadFile(zkCfg); !strings.Contains(string(after), "dynamicConfigFile=") || strings.Contains(string(after), "server.1") {
		t.Errorf("zoo.cfg not pointed at the dynamic file:\n%s", after)
	}
}
