package zoocfg

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// property is one key/value pair of a properties file, with the physical line it started on so
// errors and warnings can point at it.
type property struct {
	Key   string
	Value string
	Line  int
}

// parseProperties reads data with the syntax of java.util.Properties.load, which is what
// QuorumPeerConfig.parse uses for zoo.cfg and for the dynamic config file:
//
//   - lines end at \n, \r or \r\n;
//   - a line whose first non-blank character is '#' or '!' is a comment;
//   - a line ending in an odd number of backslashes continues on the next line, whose leading
//     blanks are dropped;
//   - the key ends at the first unescaped '=', ':' or blank; blanks around one '=' or ':' are
//     skipped ("k=v", "k: v" and "k v" are the same);
//   - escapes \t \n \r \f \uXXXX are decoded, any other \c stands for c.
//
// Unlike Java we read the bytes as UTF-8, not ISO-8859-1: a stock zoo.cfg is ASCII and a non-ASCII
// path written by a modern editor means UTF-8. Keys are returned in file order, duplicates
// included; the caller decides (Properties keeps the last one).
func parseProperties(data []byte) ([]property, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: file is not valid UTF-8", ErrSyntax)
	}
	text := string(data)
	var props []property
	lineNo := 0
	for len(text) > 0 {
		// Collect one logical line, joining continuations.
		var logical strings.Builder
		startLine := lineNo + 1
		first := true
		for {
			var phys string
			phys, text = cutLine(text)
			lineNo++
			if first {
				phys = strings.TrimLeft(phys, " \t\f")
				if phys == "" || phys[0] == '#' || phys[0] == '!' {
					// Blank or comment: a trailing backslash on a comment does not continue it.
					break
				}
			} else {
				phys = strings.TrimLeft(phys, " \t\f")
			}
			first = false
			if trailingBackslashes(phys)%2 == 1 && len(text) > 0 {
				logical.WriteString(phys[:len(phys)-1])
				continue
			}
			if trailingBackslashes(phys)%2 == 1 {
				// Continuation at end of file: Java drops the lone backslash.
				phys = phys[:len(phys)-1]
			}
			logical.WriteString(phys)
			break
		}
		if logical.Len() == 0 {
			continue
		}
		key, value, err := splitProperty(logical.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", startLine, err)
		}
		props = append(props, property{Key: key, Value: value, Line: startLine})
	}
	return props, nil
}

// cutLine splits off the first physical line, accepting \n, \r\n and a lone \r as terminators.
func cutLine(s string) (line, rest string) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, ""
	}
	if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
		return s[:i], s[i+2:]
	}
	return s[:i], s[i+1:]
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// splitProperty separates the key from the value of one logical line and unescapes both.
func splitProperty(line string) (key, value string, err error) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	rawKey := line[:i]
	j := i
	for j < len(line) && isBlank(line[j]) {
		j++
	}
	if j < len(line) && (line[j] == '=' || line[j] == ':') {
		j++
		for j < len(line) && isBlank(line[j]) {
			j++
		}
	}
	if key, err = unescape(rawKey); err != nil {
		return "", "", err
	}
	if value, err = unescape(line[j:]); err != nil {
		return "", "", err
	}
	return key, value, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("%w: malformed \\uXXXX escape in %q", ErrSyntax, s)
			}
			var r rune
			for _, h := range s[i+1 : i+5] {
				d, ok := hexDigit(h)
				if !ok {
					return "", fmt.Errorf("%w: malformed \\uXXXX escape in %q", ErrSyntax, s)
				}
				r = r<<4 | d
			}
			b.WriteRune(r)
			i += 4
		default:
			// Multi-byte UTF-8 after a backslash: copy the whole rune.
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size - 1
		}
	}
	return b.String(), nil
}

func hexDigit(r rune) (rune, bool) {
	switch {
	case r >= '0' && r <= '9':
		return r - '0', true
	case r >= 'a' && r <= 'f':
		return r - 'a' + 10, true
	case r >= 'A' && r <= 'F':
		return r - 'A' + 10, true
	}
	return 0, false
}

// escapeKey and escapeValue write text that parseProperties reads back unchanged.
func escapeKey(s string) string { return escapeProp(s, true) }

func escapeValue(s string) string { return escapeProp(s, false) }

func escapeProp(s string, isKey bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == ' ' && (isKey || i == 0):
			// A blank ends a key, and leading blanks of a value are skipped by the reader.
			b.WriteString(`\ `)
		case isKey && (c == '=' || c == ':' || ((c == '#' || c == '!') && i == 0)):
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
