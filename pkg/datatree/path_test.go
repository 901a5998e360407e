package datatree

import (
	"errors"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		seq  bool
		ok   bool
	}{
		{"/", false, true},
		{"/a", false, true},
		{"/a/b-c_d.e", false, true},
		{"/a/...", false, true},
		{"/a/.b", false, true},
		{"/a/b.", false, true},
		{"/zookeeper", false, true},
		{"/ünïcode", false, true},
		{"", false, false},
		{"a", false, false},
		{"/a/", false, false},
		{"/a/", true, true}, // the sequence suffix will follow the slash
		{"/a//b", false, false},
		{"/a/./b", false, false},
		{"/a/../b", false, false},
		{"/.", false, false},
		{"/..", false, false},
		{"/a/.", false, false},
		{"/a\x00b", false, false},
		{"/a\x01", false, false},
		{"/a\x1f", false, false},
		{"/a\x7f", false, false},
		{"/a\u0085", false, false},
		{"/a\u00a0", false, true},
		{"/a\ud7ff", false, true},
		{"/a\ue000", false, false},     // private use, refused
		{"/a\uf8ff", false, false},     // last of the refused range
		{"/a\uf900", false, true},      // first after it
		{"/a\ufff0", false, false},     // specials
		{"/a\U0001F600", false, false}, // outside the BMP: a surrogate pair in Java
		{"/a\xff", false, false},       // invalid UTF-8 decodes to U+FFFD
	} {
		err := ValidatePath(tc.path, tc.seq)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePath(%q, %v) = %v, want ok=%v", tc.path, tc.seq, err, tc.ok)
		}
		if err != nil && !errors.Is(err, protocol.ErrBadArguments) {
			t.Errorf("ValidatePath(%q): %v does not wrap BadArguments", tc.path, err)
		}
	}
}

func TestParentPath(t *testing.T) {
	for in, want := range map[string]string{"/a": "/", "/a/b": "/a", "/a/b/c": "/a/b"} {
		if got := ParentPath(in); got != want {
			t.Errorf("ParentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJavaLen(t *testing.T) {
	for s, want := range map[string]int64{"": 0, "/abc": 4, "/é": 2, "/\U0001F600": 3} {
		if got := javaLen(s); got != want {
			t.Errorf("javaLen(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestEphemeralTypeOf(t *testing.T) {
	ttlOwner := protocol.TTLOwner(1000)
	for _, tc := range []struct {
		owner    int64
		extended bool
		want     EphemeralType
	}{
		{0, false, Void},
		{0x100000000, false, Normal},
		{protocol.ContainerEphemeralOwner, false, Container},
		{protocol.ContainerEphemeralOwner, true, Container},
		{ttlOwner, true, TTL},
		{ttlOwner, false, Normal},
	} {
		if got := EphemeralTypeOf(tc.owner, tc.extended); got != tc.want {
			t.Errorf("EphemeralTypeOf(%#x, %v) = %v, want %v", tc.owner, tc.extended, got, tc.want)
		}
	}
}
