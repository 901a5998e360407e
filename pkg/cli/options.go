package cli

import (
	"fmt"
	"strings"
)

// parsedOptions is the result of parseOptions: flags seen (with their value when they take one)
// and the remaining positional arguments, Args[0] being the command word.
type parsedOptions struct {
	flags map[byte]string
	args  []string
}

func (p parsedOptions) has(f byte) bool { _, ok := p.flags[f]; return ok }

// parseOptions reads single-letter flags the way zkCli's commons-cli DefaultParser does: flags
// may appear anywhere on the line, may be bundled ("-sw"), a flag's value may be glued ("-v3")
// or the next token (even a negative number), "--" ends flag parsing and a lone "-" is a
// positional. spec lists the flags, a ':' after a letter meaning it takes a value.
// Error texts are the commons-cli exceptions as zkCli prints them.
func parseOptions(tokens []string, spec string) (parsedOptions, error) {
	takesValue := map[byte]bool{}
	known := map[byte]bool{}
	for i := 0; i < len(spec); i++ {
		known[spec[i]] = true
		if i+1 < len(spec) && spec[i+1] == ':' {
			takesValue[spec[i]] = true
			i++
		}
	}
	p := parsedOptions{flags: map[byte]string{}}
	if len(tokens) > 0 {
		p.args = append(p.args, tokens[0])
	}
	for i := 1; i < len(tokens); i++ {
		t := tokens[i]
		if t == "--" {
			p.args = append(p.args, tokens[i+1:]...)
			break
		}
		if t == "-" || !strings.HasPrefix(t, "-") {
			p.args = append(p.args, t)
			continue
		}
		body := t[1:]
		for j := 0; j < len(body); j++ {
			f := body[j]
			if !known[f] {
				return p, usageErr("org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: %s", t)
			}
			if !takesValue[f] {
				p.flags[f] = ""
				continue
			}
			if j+1 < len(body) {
				p.flags[f] = body[j+1:]
				break
			}
			if i+1 >= len(tokens) || !isValueToken(tokens[i+1], known) {
				return p, usageErr("org.apache.commons.cli.MissingArgumentException: Missing argument for option: %c", f)
			}
			i++
			p.flags[f] = tokens[i]
			break
		}
	}
	return p, nil
}

// isValueToken reports whether t can be a flag's value: anything but another known flag, except
// that negative numbers are always values (DefaultParser.isArgument).
func isValueToken(t string, known map[byte]bool) bool {
	if !strings.HasPrefix(t, "-") || t == "-" {
		return true
	}
	var f float64
	if _, err := fmt.Sscanf(t, "%g", &f); err == nil {
		return true
	}
	return !known[t[1]]
}
