package sim

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/*.txt")

// TestTraces runs the datadriven scripts in testdata/: a command, "----", the expected
// output, a blank line. The first command must be "new voters=N [observers=M] [spares=K]
// [reconfig]" (reconfig: dynamic membership on; spares start down, outside the config).
func TestTraces(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

type block struct {
	comments []string
	cmd      string
	want     string
}

func parseScript(t *testing.T, path string) []block {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var blocks []block
	var cur block
	inOut := false
	var outLines []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case inOut && line == "":
			cur.want = strings.Join(outLines, "\n")
			blocks = append(blocks, cur)
			cur, inOut, outLines = block{}, false, nil
		case inOut:
			outLines = append(outLines, line)
		case line == "----":
			inOut = true
		case strings.HasPrefix(line, "#") || (line == "" && cur.cmd == ""):
			cur.comments = append(cur.comments, line)
		default:
			cur.cmd = line
		}
	}
	if inOut {
		cur.want = strings.Join(outLines, "\n")
		blocks = append(blocks, cur)
	}
	return blocks
}

func runScript(t *testing.T, path string) {
	blocks := parseScript(t, path)
	var c *Cluster
	var rewritten strings.Builder
	for i, b := range blocks {
		fields := strings.Fields(b.cmd)
		var got string
		if fields[0] == "new" {
			voters, observers, spares, reconfig := 3, 0, 0, false
			for _, a := range fields[1:] {
				k, v, _ := strings.Cut(a, "=")
				n, _ := strconv.Atoi(v)
				switch k {
				case "voters":
					voters = n
				case "observers":
					observers = n
				case "spares":
					spares = n
				case "reconfig":
					reconfig = true
				}
			}
			c = NewReconfigCluster(1, voters, observers, spares, reconfig, Faults{})
			got = "ok"
		} else {
			if c == nil {
				t.Fatalf("%s: block %d: no cluster yet", path, i)
			}
			var err error
			got, err = c.Exec(fields[0], fields[1:])
			if err != nil {
				t.Fatalf("%s: %q: %v", path, b.cmd, err)
			}
		}
		for _, cm := range b.comments {
			rewritten.WriteString(cm + "\n")
		}
		fmt.Fprintf(&rewritten, "%s\n----\n%s\n\n", b.cmd, got)
		if !*rewrite && got != b.want {
			t.Errorf("%s: %q:\n--- got ---\n%s\n--- want ---\n%s", path, b.cmd, got, b.want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimRight(rewritten.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
