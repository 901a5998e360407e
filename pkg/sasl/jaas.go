package sasl

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrJAAS is wrapped by the errors of ParseJAAS.
var ErrJAAS = errors.New("sasl: malformed JAAS configuration")

// LoginModule is one entry of a JAAS section: `<class> <flag> key="value" ... ;`.
type LoginModule struct {
	Class   string
	Flag    string
	Options map[string]string
}

// JAAS is a parsed JAAS login configuration: sections by name.
type JAAS map[string][]LoginModule

// DigestLoginModule is ZooKeeper's login module for DIGEST-MD5.
const DigestLoginModule = "org.apache.zookeeper.server.auth.DigestLoginModule"

// ParseJAAS reads the JAAS file syntax (javax.security.auth.login.ConfigFile): sections
// `Name { Class Flag key=value ...; ... };`, values quoted or bare, // and /* */ comments.
func ParseJAAS(text string) (JAAS, error) {
	toks, err := tokenize(text)
	if err != nil {
		return nil, err
	}
	out := JAAS{}
	i := 0
	next := func() (string, bool) {
		if i >= len(toks) {
			return "", false
		}
		i++
		return toks[i-1], true
	}
	for i < len(toks) {
		name, _ := next()
		if t, ok := next(); !ok || t != "{" {
			return nil, fmt.Errorf("%w: section %q: expected '{'", ErrJAAS, name)
		}
		var mods []LoginModule
		for {
			t, ok := next()
			if !ok {
				return nil, fmt.Errorf("%w: section %q is not closed", ErrJAAS, name)
			}
			if t == "}" {
				break
			}
			flag, ok := next()
			if !ok || !isWord(flag) {
				return nil, fmt.Errorf("%w: section %q: module %q has no control flag", ErrJAAS, name, t)
			}
			m := LoginModule{Class: t, Flag: flag, Options: map[string]string{}}
			for {
				k, ok := next()
				if !ok {
					return nil, fmt.Errorf("%w: section %q: module %q is not ended by ';'", ErrJAAS, name, t)
				}
				if k == ";" {
					break
				}
				if eq, ok := next(); !ok || eq != "=" {
					return nil, fmt.Errorf("%w: section %q: option %q has no '='", ErrJAAS, name, k)
				}
				v, ok := next()
				if !ok {
					return nil, fmt.Errorf("%w: section %q: option %q has no value", ErrJAAS, name, k)
				}
				m.Options[k] = unquote(v)
			}
			mods = append(mods, m)
		}
		if t, ok := next(); !ok || t != ";" {
			return nil, fmt.Errorf("%w: section %q: expected ';' after '}'", ErrJAAS, name)
		}
		out[name] = append(out[name], mods...)
	}
	return out, nil
}

func isWord(s string) bool { return s != "" && !strings.ContainsAny(s, "{};=") && s[0] != '"' }

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// tokenize splits JAAS text into words, quoted strings (kept with their quotes) and the
// punctuation { } ; =.
func tokenize(text string) ([]string, error) {
	var toks []string
	r := []rune(text)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '/' && i+1 < len(r) && r[i+1] == '/':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			end := strings.Index(string(r[i+2:]), "*/")
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated comment", ErrJAAS)
			}
			i += 2 + len([]rune(string(r[i+2:])[:end])) + 2
		case c == '{' || c == '}' || c == ';' || c == '=':
			toks = append(toks, string(c))
			i++
		case c == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("%w: unterminated quoted value", ErrJAAS)
			}
			toks = append(toks, string(r[i:j+1]))
			i = j + 1
		default:
			j := i
			for j < len(r) && !unicode.IsSpace(r[j]) && !strings.ContainsRune("{};=\"", r[j]) {
				j++
			}
			toks = append(toks, string(r[i:j]))
			i = j
		}
	}
	return toks, nil
}

// DigestUsers are the DIGEST-MD5 credentials of a section: the user_<name>="<password>"
// options of its entries (SaslServerCallbackHandler reads them from every entry).
func (j JAAS) DigestUsers(section string) (map[string]string, error) {
	mods, ok := j[section]
	if !ok {
		return nil, fmt.Errorf("%w: no %q section (ZooKeeper: \"Could not find a '%s' entry in this configuration\")", ErrJAAS, section, section)
	}
	users := map[string]string{}
	for _, m := range mods {
		for k, v := range m.Options {
			if name, ok := strings.CutPrefix(k, "user_"); ok {
				users[name] = v
			}
		}
	}
	return users, nil
}
