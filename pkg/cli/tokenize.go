package cli

import "regexp"

// argPattern is how ZooKeeperMain.MyCommandOptions.parseCommand splits a line: a token is a run
// of non-space characters not starting with a quote, or a whole "double" or 'single' quoted
// string (which may contain spaces). An unbalanced quote is skipped, as in zkCli.
var argPattern = regexp.MustCompile(`\s*([^"'\s]\S*|"[^"]*"|'[^']*')\s*`)

// Tokenize splits a command line the way zkCli does and strips one level of matching quotes.
// It returns nil for a blank line.
func Tokenize(line string) []string {
	var out []string
	for _, m := range argPattern.FindAllStringSubmatch(line, -1) {
		v := m[1]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = append(out, v)
	}
	return out
}
