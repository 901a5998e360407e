package nodeagent

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// dataDirName is the symlink that points at the current generation of a projected volume,
// as kubelet's AtomicWriter names it, so programs that watch ..data for changes (as they do in
// real clusters) work here too.
const dataDirName = "..data"

// WriteProjected makes dir hold exactly files, switching atomically: the files are written
// into a fresh hidden generation directory, ..data is re-pointed at it with a rename, and each
// top-level name is a symlink through ..data. A reader sees the old set or the new set, never
// a mix. Returns whether anything changed; nothing is written when the content is equal.
func WriteProjected(dir string, files map[string]File, now time.Time) (bool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	if same(dir, files) {
		return false, nil
	}
	gen := filepath.Join(dir, fmt.Sprintf("..%s.%d", now.UTC().Format("2006_01_02_15_04_05"), now.UnixNano()%1e9))
	if err := os.Mkdir(gen, 0o755); err != nil {
		return false, err
	}
	for p, f := range files {
		full := filepath.Join(gen, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return false, err
		}
		if err := os.WriteFile(full, f.Data, f.Mode); err != nil {
			return false, err
		}
		if err := os.Chmod(full, f.Mode); err != nil {
			return false, err
		}
	}
	old, _ := os.Readlink(filepath.Join(dir, dataDirName))
	tmpLink := filepath.Join(dir, "..data_tmp")
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(gen), tmpLink); err != nil {
		return false, err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		return false, err
	}
	// Top-level names: add new links, remove links to names that are gone.
	want := map[string]bool{}
	for p := range files {
		want[strings.SplitN(p, "/", 2)[0]] = true
	}
	for name := range want {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataDirName, name), link); err != nil {
			return false, err
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") && !want[e.Name()] && e.Type()&os.ModeSymlink != 0 {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if old != "" && old != filepath.Base(gen) {
		os.RemoveAll(filepath.Join(dir, old))
	}
	return true, nil
}

// same reports whether the current generation of dir holds exactly files.
func same(dir string, files map[string]File) bool {
	cur := filepath.Join(dir, dataDirName)
	if _, err := os.Stat(cur); err != nil {
		return false
	}
	var have []string
	filepath.WalkDir(cur+"/", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(cur, p)
			have = append(have, rel)
		}
		return nil
	})
	if len(have) != len(files) {
		return false
	}
	sort.Strings(have)
	for _, rel := range have {
		f, ok := files[rel]
		if !ok {
			return false
		}
		st, err := os.Stat(filepath.Join(cur, rel))
		if err != nil || st.Mode().Perm() != f.Mode.Perm() {
			return false
		}
		data, err := os.ReadFile(filepath.Join(cur, rel))
		if err != nil || !bytes.Equal(data, f.Data) {
			return false
		}
	}
	return true
}
