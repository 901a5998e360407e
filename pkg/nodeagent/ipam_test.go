package nodeagent

import (
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
)

func TestIPAMAllocate(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		keys   []string
		want   []string // "" = ErrIPExhausted
	}{
		{"lowest free skips .0", "127.1.0.0/24", []string{"a", "b"}, []string{"127.1.0.1", "127.1.0.2"}},
		{"same key same address", "127.1.0.0/24", []string{"a", "a"}, []string{"127.1.0.1", "127.1.0.1"}},
		{"skips 127.0.0.1", "127.0.0.0/30", []string{"a", "b", "c"}, []string{"127.0.0.2", "127.0.0.3", ""}},
		{"skips .255", "127.2.0.252/30", []string{"a", "b", "c", "d"}, []string{"127.2.0.252", "127.2.0.253", "127.2.0.254", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewIPAM(netip.MustParsePrefix(tt.prefix))
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range tt.keys {
				ip, err := a.Allocate(k)
				if tt.want[i] == "" {
					if !errors.Is(err, ErrIPExhausted) {
						t.Fatalf("key %s: got %v, %v; want ErrIPExhausted", k, ip, err)
					}
					continue
				}
				if err != nil || ip.String() != tt.want[i] {
					t.Fatalf("key %s: got %v, %v; want %s", k, ip, err, tt.want[i])
				}
			}
		})
	}
}

func TestIPAMRejectsNonLoopback(t *testing.T) {
	for _, p := range []string{"10.0.0.0/24", "0.0.0.0/0", "::1/128", "127.0.0.0/31"} {
		if _, err := NewIPAM(netip.MustParsePrefix(p)); err == nil {
			t.Errorf("NewIPAM(%s) accepted", p)
		}
	}
}

func TestIPAMReleaseReuses(t *testing.T) {
	a, _ := NewIPAM(netip.MustParsePrefix("127.1.0.0/24"))
	a.Allocate("a")
	b, _ := a.Allocate("b")
	a.Release("b")
	a.Release("unknown")
	if _, ok := a.Lookup("b"); ok {
		t.Fatal("b still allocated after release")
	}
	c, _ := a.Allocate("c")
	if c != b {
		t.Fatalf("c = %v, want the released %v", c, b)
	}
}

func TestIPAMPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ipam.json")
	a, _ := LoadIPAM(path, netip.MustParsePrefix("127.1.0.0/24"))
	a.Allocate("x")
	y, _ := a.Allocate("y")
	if err := SaveIPAM(path, a); err != nil {
		t.Fatal(err)
	}
	b, err := LoadIPAM(path, netip.MustParsePrefix("127.1.0.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := b.Lookup("y"); !ok || got != y {
		t.Fatalf("after reload y = %v %v, want %v", got, ok, y)
	}
	z, _ := b.Allocate("z")
	if z.String() != "127.1.0.3" {
		t.Fatalf("z = %v, want 127.1.0.3 (no reuse of persisted addresses)", z)
	}
	// A changed range drops what no longer fits.
	c, _ := LoadIPAM(path, netip.MustParsePrefix("127.9.0.0/24"))
	if len(c.Keys()) != 0 {
		t.Fatalf("keys after range change: %v", c.Keys())
	}
}
