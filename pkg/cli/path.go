package cli

import "fmt"

// ValidatePath applies the Java client's path check (PathUtils.validatePath), which zkCli runs
// before sending anything, and returns its message; "" means the path is valid. For sequential
// creates the Java client validates path+"1", since the server appends a counter.
func ValidatePath(path string, sequential bool) string {
	if sequential {
		path += "1"
	}
	if len(path) == 0 {
		return "Path length must be > 0"
	}
	if path[0] != '/' {
		return "Path must start with / character"
	}
	if len(path) == 1 {
		return ""
	}
	if path[len(path)-1] == '/' {
		return "Path must not end with / character"
	}
	// Java walks UTF-16 code units; index positions in messages are those units.
	chars := utf16Units(path)
	last := rune('/')
	reason := ""
	for i := 1; i < len(chars); last, i = chars[i], i+1 {
		c := chars[i]
		switch {
		case c == 0:
			reason = fmt.Sprintf("null character not allowed @%d", i)
		case c == '/' && last == '/':
			reason = fmt.Sprintf("empty node name specified @%d", i)
		case c == '.' && last == '.':
			if chars[i-2] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = fmt.Sprintf("relative paths not allowed @%d", i)
			}
		case c == '.':
			if chars[i-1] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				reason = fmt.Sprintf("relative paths not allowed @%d", i)
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0 && c <= 0xffff:
			reason = fmt.Sprintf("invalid character @%d", i)
		}
		if reason != "" {
			return fmt.Sprintf("Invalid path string \"%s\" caused by %s", path, reason)
		}
	}
	return ""
}

func utf16Units(s string) []rune {
	var out []rune
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		out = append(out, r)
	}
	return out
}

func pathErr(path string, sequential bool) error {
	if msg := ValidatePath(path, sequential); msg != "" {
		return &cliError{kind: ErrBadPath, msg: msg}
	}
	return nil
}
