package cmd

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/server"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func TestResolveMyID(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name    string
		file    string // "" = no myid file
		pod     string
		want    int64
		wantErr string
	}{
		{name: "file wins over pod", file: "2\n", pod: "zk-0", want: 2},
		{name: "pod ordinal plus one", pod: "zk-2", want: 3},
		{name: "neither", wantErr: "POD_NAME is not set"},
		{name: "bad pod name", pod: "zk", wantErr: "zk"},
		{name: "bad file", file: "x\n", pod: "zk-0", wantErr: "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "myid"), []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := resolveMyID(dir, tc.pod, logger)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveMyID = %d, %v; want %d", got, err, tc.want)
			}
			// The id is on disk afterwards, so a later start agrees without POD_NAME.
			again, err := resolveMyID(dir, "", logger)
			if err != nil || again != tc.want {
				t.Fatalf("second start = %d, %v", again, err)
			}
		})
	}
}

// TestSeedDynamicConfig: a missing dynamicConfigFile is created from "<name>.seed" next to
// zoo.cfg, an existing one is left alone, and without a seed nothing is written.
func TestSeedDynamicConfig(t *testing.T) {
	dir := t.TempDir()
	etc, data := filepath.Join(dir, "etc"), filepath.Join(dir, "data")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(etc, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte("initLimit=10\nsyncLimit=5\ndataDir="+data+"\ndynamicConfigFile="+data+"/zoo.cfg.dynamic\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := seedDynamicConfig(cfg); err != nil || got != "" {
		t.Errorf("no seed: %q %v", got, err)
	}
	seed := "server.1=127.0.0.1:2888:3888:participant;2181\n"
	if err := os.WriteFile(filepath.Join(etc, "zoo.cfg.dynamic.seed"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := seedDynamicConfig(cfg)
	if err != nil || got != filepath.Join(data, "zoo.cfg.dynamic") {
		t.Fatalf("seeded %q %v", got, err)
	}
	if b, _ := os.ReadFile(got); string(b) != seed {
		t.Errorf("dynamic file %q", b)
	}
	if err := os.WriteFile(got, []byte("server.1=127.0.0.1:2888:3888:participant;2181\nserver.2=127.0.0.2:2888:3888:participant;2181\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, err := seedDynamicConfig(cfg); err != nil || again != "" {
		t.Errorf("an existing dynamic file was seeded again: %q %v", again, err)
	}
	if c, _, err := zoocfg.Load(cfg); err != nil || len(c.Servers) != 2 {
		t.Errorf("load after seeding: %v", err)
	}
}

// TestEnsembleSecurePortBindsMemberHost: without secureClientPortAddress, a member's secure
// port listens on its own client host (as its client, metrics and admin ports do), so members
// sharing a network namespace do not collide; an explicit address is kept. Also: a dynamic
// file with an unversioned name is the one rewritten in place.
func TestEnsembleSecurePortBindsMemberHost(t *testing.T) {
	zc, _, err := zoocfg.Parse([]byte("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/d\n" +
		"server.1=127.0.0.11:2888:3888;127.0.0.11:2181\nserver.2=127.0.0.12:2888:3888;127.0.0.12:2181\nserver.3=127.0.0.13:2888:3888;127.0.0.13:2181\n"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := server.Config{Secure: &server.SecureConfig{Addr: "0.0.0.0:2182"}}
	ec, err := ensembleConfig(zc, cfg, 2, "", "/etc/zoo.cfg", logger)
	if err != nil {
		t.Fatal(err)
	}
	if ec.Secure.Addr != "127.0.0.12:2182" {
		t.Errorf("member 2's secure port binds %s, want 127.0.0.12:2182", ec.Secure.Addr)
	}
	if cfg.Secure.Addr != "0.0.0.0:2182" {
		t.Errorf("the caller's config was changed: %s", cfg.Secure.Addr)
	}
	if ec.Ensemble.ConfigFile != "/etc/zoo.cfg" || ec.Ensemble.DynamicFileInPlace != "" {
		t.Errorf("static server lines: config file %q, in-place dynamic file %q", ec.Ensemble.ConfigFile, ec.Ensemble.DynamicFileInPlace)
	}
	for name, inPlace := range map[string]string{"/data/zoo.cfg.dynamic": "/data/zoo.cfg.dynamic", "zoo.cfg.dynamic": "/etc/zoo.cfg.dynamic",
		"/etc/zoo.cfg.dynamic.100000004": ""} {
		zc.DynamicConfigFile = name
		if ec, _ := ensembleConfig(zc, cfg, 2, "", "/etc/zoo.cfg", logger); ec.Ensemble.DynamicFileInPlace != inPlace {
			t.Errorf("dynamicConfigFile %s: rewritten in place at %q, want %q", name, ec.Ensemble.DynamicFileInPlace, inPlace)
		}
	}
	zc.DynamicConfigFile = ""
	zc.Other = map[string]string{"secureClientPortAddress": "0.0.0.0"}
	if ec, _ := ensembleConfig(zc, cfg, 2, "", "/etc/zoo.cfg", logger); ec.Secure.Addr != "0.0.0.0:2182" {
		t.Errorf("explicit secureClientPortAddress not kept: %s", ec.Secure.Addr)
	}
}
