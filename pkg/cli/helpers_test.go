package cli

import (
	"path/filepath"
	"sort"
)

func filepathGlob(p string) ([]string, error) { return filepath.Glob(p) }

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
