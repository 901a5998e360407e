package compat

import (
	"fmt"
	"strings"
)

// maxDiffLines bounds the O(n*m) table; transcripts are far smaller.
const maxDiffLines = 4000

// lineDiff renders a unified-style diff of want and got ("-" only in want, "+" only in got),
// with up to context unchanged lines around each change. It returns "" when they are equal.
func lineDiff(wantName, gotName, want, got string, context int) string {
	if want == got {
		return ""
	}
	a := strings.Split(want, "\n")
	b := strings.Split(got, "\n")
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		return fmt.Sprintf("--- %s (%d lines)\n+++ %s (%d lines)\n(too long to diff)", wantName, len(a), gotName, len(b))
	}
	// lcs[i][j] = length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte // ' ', '-', '+'
		text string
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', b[j]})
			j++
		default:
			ops = append(ops, op{'-', a[i]})
			i++
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", wantName, gotName)
	lastPrinted := -1
	for k, o := range ops {
		if o.kind == ' ' {
			continue
		}
		from := max(k-context, lastPrinted+1)
		if lastPrinted >= 0 && from > lastPrinted+1 {
			out.WriteString("@@\n")
		}
		for m := from; m < k; m++ {
			fmt.Fprintf(&out, "  %s\n", ops[m].text)
		}
		fmt.Fprintf(&out, "%c %s\n", o.kind, o.text)
		lastPrinted = k
		// trailing context is printed when the next change (or the end) is reached
		end := k + 1
		for end < len(ops) && end <= k+context && ops[end].kind == ' ' {
			end++
		}
		nextChange := end < len(ops) && ops[end].kind != ' ' && end <= k+context
		if !nextChange {
			for m := k + 1; m < end; m++ {
				fmt.Fprintf(&out, "  %s\n", ops[m].text)
				lastPrinted = m
			}
		}
	}
	return out.String()
}
