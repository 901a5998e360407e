package durability

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/test/harness"
)

// dirImage is a saved copy of a stopped server's data directory (relative path → bytes), so a
// test can damage it, start the server on it, and put it back before the next attempt. Txn log
// segments are saved up to their last record: the preallocated zero tail (64 MiB) reads the
// same as an end of file, and restoring it every time would be slow.
type dirImage struct {
	dirs  []string
	files map[string][]byte
}

func captureDir(root string) (dirImage, error) {
	img := dirImage{files: map[string][]byte{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			img.dirs = append(img.dirs, rel)
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if segmentName.MatchString(d.Name()) {
			if seg, perr := parseSegment(b); perr == nil {
				b = b[:seg.End]
			}
		}
		img.files[rel] = b
		return nil
	})
	return img, err
}

// restore makes root hold exactly the image, with the files in override (relative path →
// bytes) replacing theirs.
func (img dirImage) restore(root string, override map[string][]byte) error {
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	for _, d := range img.dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	for rel, b := range img.files {
		if o, ok := override[rel]; ok {
			b = o
		}
		if err := os.WriteFile(filepath.Join(root, rel), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// node is one znode a test created and was acknowledged.
type node struct {
	Path string
	Data []byte
}

// createNodes creates root and then n children of it, one request (one txn log record) each,
// and returns the children. Every create must be acknowledged.
func createNodes(t *testing.T, srv *harness.Server, root string, n, dataBytes int) []node {
	t.Helper()
	c := connect(t, srv.Addr())
	defer c.Close()
	if _, err := c.Create(root, nil, 0, zkOpenACL); err != nil {
		t.Fatalf("create %s: %v", root, err)
	}
	var out []node
	for i := range n {
		p := fmt.Sprintf("%s/n%04d", root, i)
		data := []byte(fmt.Sprintf("%s=%0*d", p, dataBytes, i))
		if _, err := c.Create(p, data, 0, zkOpenACL); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
		out = append(out, node{Path: p, Data: data})
	}
	return out
}

// checkServed reads nodes on a fresh session and reports every difference from want
// (present, with data, when want[path] is non-nil; absent when nil).
func checkServed(srv *harness.Server, want map[string][]byte) ([]string, error) {
	c, err := dial(srv.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var diffs []string
	err = bounded(opTimeout, func() error {
		for p, w := range want {
			data, _, err := c.Get(p)
			switch {
			case err == zk.ErrNoNode && w == nil:
			case err == zk.ErrNoNode:
				diffs = append(diffs, p+": missing")
			case err != nil:
				return fmt.Errorf("get %s: %w", p, err)
			case w == nil:
				diffs = append(diffs, p+": present, should be gone")
			case string(data) != string(w):
				diffs = append(diffs, fmt.Sprintf("%s: data %q, want %q", p, clip(data), clip(w)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err // the reads may still be running: do not touch diffs
	}
	return diffs, nil
}
