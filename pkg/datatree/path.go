package datatree

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// ValidatePath checks a znode path as PathUtils.validatePath does; sequential paths are checked
// with a digit appended, since the server will add the suffix. The returned error wraps
// protocol.ErrBadArguments. Rules: not empty; starts with '/'; "/" alone is valid; otherwise
// no trailing '/', no empty segment, no "." or ".." segment, no NUL, and no character in
// U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF or U+FFF0–U+FFFF. Java checks UTF-16 units, so
// every character outside the BMP (a surrogate pair) is refused, and so is invalid UTF-8,
// which Java decodes to U+FFFD.
func ValidatePath(path string, sequential bool) error {
	if sequential {
		path += "1"
	}
	if reason := pathProblem(path); reason != "" {
		return fmt.Errorf("invalid path %q: %s: %w", path, reason, protocol.ErrBadArguments)
	}
	return nil
}

func pathProblem(path string) string {
	if path == "" {
		return "empty"
	}
	if path[0] != '/' {
		return "must start with /"
	}
	if len(path) == 1 {
		return ""
	}
	if path[len(path)-1] == '/' {
		return "must not end with /"
	}
	segStart := 1
	for i, r := range path {
		if i == 0 {
			continue
		}
		switch {
		case r == 0:
			return "null character"
		case r == '/':
			if i == segStart {
				return "empty node name"
			}
			if seg := path[segStart:i]; seg == "." || seg == ".." {
				return "relative path"
			}
			segStart = i + 1
		case r < 0x20, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xf8ff, r >= 0xfff0:
			return "invalid character"
		}
	}
	if seg := path[segStart:]; seg == "." || seg == ".." {
		return "relative path"
	}
	return ""
}

// splitPath returns the parent path as ZooKeeper computes it (everything before the last '/',
// so "" for a top-level node, which names the root) and the child name.
func splitPath(path string) (parent, child string) {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i], path[i+1:]
		}
	}
	return "", path
}

// ParentPath is the parent of path as watchers name it: "/" for a top-level node.
func ParentPath(path string) string {
	p, _ := splitPath(path)
	if p == "" {
		return "/"
	}
	return p
}

// javaLen is String.length(): the number of UTF-16 units, used where ZooKeeper sizes paths.
func javaLen(s string) int64 {
	n := int64(0)
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}
