package nodeagent

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestResolveInRoot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"run", "var", "etc/conf.d"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"var/run":      "/run",            // absolute: must restart at root, not at the host's /
		"var/lock":     "../run/lock",     // relative
		"etc/escape":   "../../../../tmp", // ".." stops at root
		"etc/loop":     "loop",
		"etc/conf":     "conf.d",
		"etc/conf.d/x": "/var/run/x",
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"/var/run/secrets/kubernetes.io/serviceaccount", "/run/secrets/kubernetes.io/serviceaccount"},
		{"/var/lock/zk", "/run/lock/zk"},
		{"/etc/escape/data", "/tmp/data"},
		{"/etc/conf/x/y", "/run/x/y"},
		{"/data/../etc/./conf.d", "/etc/conf.d"},
		{"relative/path", "/relative/path"},
		{"/", "/"},
	} {
		got, err := resolveInRoot(root, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("resolveInRoot(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := resolveInRoot(root, "/etc/loop/x"); !errors.Is(err, ErrInvalidPod) {
		t.Errorf("symlink loop: %v, want ErrInvalidPod", err)
	}
}
