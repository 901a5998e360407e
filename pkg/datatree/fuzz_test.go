package datatree

import (
	"strings"
	"testing"
)

// Paths arrive from clients. ValidatePath must not panic, and what it accepts must be an
// absolute path without empty, "." or ".." segments.
func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/", "/a", "/a/", "//", "/a/./b", "/..", "/\x00", "/\U0001F600", "/a\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if ValidatePath(path, false) != nil || path == "/" {
			return
		}
		for _, seg := range strings.Split(path[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Errorf("accepted %q with segment %q", path, seg)
			}
		}
	})
}
