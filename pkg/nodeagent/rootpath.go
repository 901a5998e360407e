package nodeagent

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxSymlinks bounds symlink resolution, as the kernel's MAXSYMLINKS (40) does.
const maxSymlinks = 40

// resolveInRoot returns the container path p with every symlink among its existing components
// resolved as the container will see it: absolute link targets start again at root (not at the
// host's /), and ".." never climbs above root (runc resolves mount destinations the same way,
// with filepath-securejoin). Components that do not exist yet are kept as they are; they will
// be created inside root.
func resolveInRoot(root, p string) (string, error) {
	pending := strings.Split(path.Clean("/"+p), "/")[1:]
	resolved := "/"
	links := 0
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, part)
		fi, err := os.Lstat(filepath.Join(root, next))
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			resolved = next // a directory, a file or not there yet
			continue
		}
		if links++; links > maxSymlinks {
			return "", fmt.Errorf("%w: too many symlinks resolving %s", ErrInvalidPod, p)
		}
		target, err := os.Readlink(filepath.Join(root, next))
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			resolved = "/"
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return resolved, nil
}
