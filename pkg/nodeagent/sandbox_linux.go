//go:build linux

package nodeagent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// sandboxCloneFlags give each container its own mount table (volumes, /etc/hosts) and hostname,
// as a container runtime would; network and PIDs stay the host's (pod IPs are loopback
// addresses, see IPAM).
const sandboxCloneFlags = syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS

// SandboxCommand returns the command that starts the helper for spec file specPath in fresh
// namespaces: binary is the zkensemble executable; argv, if given, replaces the spec's (exec
// probes). The process leads its own process group so termination reaches its children and a
// terminal's Ctrl-C does not.
func SandboxCommand(binary, specPath string, argv []string) *exec.Cmd {
	args := []string{"nodeagent", "sandbox", specPath}
	if len(argv) > 0 {
		args = append(append(args, "--"), argv...)
	}
	cmd := exec.Command(binary, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: sandboxCloneFlags, Setpgid: true}
	return cmd
}

// RunSandbox is the helper's body: args are SPEC [-- ARGV...]. It runs in the namespaces
// SandboxCommand created, builds the root, and execs the container process in place of itself,
// so the pid the agent holds is the container's. It returns only on failure.
func RunSandbox(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: zkensemble nodeagent sandbox SPEC [-- ARGV...]")
	}
	// Run outside SandboxCommand's namespaces, the mounts below would land in the host's
	// mount table: refuse.
	// The parent (the agent) lives in the host's namespace; SandboxCommand's child does not.
	self, err1 := os.Readlink("/proc/self/ns/mnt")
	parent, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", os.Getppid()))
	if err1 != nil || err2 != nil || self == parent {
		return fmt.Errorf("nodeagent sandbox: not in a private mount namespace (start it with SandboxCommand)")
	}
	spec, err := ReadSandboxSpec(args[0])
	if err != nil {
		return err
	}
	if len(args) > 2 && args[1] == "--" {
		spec.Argv = args[2:]
	}
	if len(spec.Argv) == 0 {
		return fmt.Errorf("nodeagent sandbox: empty argv")
	}
	if err := buildRoot(spec); err != nil {
		return fmt.Errorf("nodeagent sandbox: %w", err)
	}
	if err := syscall.Sethostname([]byte(spec.Hostname)); err != nil {
		return fmt.Errorf("nodeagent sandbox: sethostname: %w", err)
	}
	if err := syscall.Chroot(spec.RootDir); err != nil {
		return fmt.Errorf("nodeagent sandbox: chroot: %w", err)
	}
	wd := spec.WorkingDir
	if wd == "" {
		wd = "/"
	}
	if err := os.MkdirAll(wd, 0o755); err != nil {
		return fmt.Errorf("nodeagent sandbox: workingDir: %w", err)
	}
	if err := os.Chdir(wd); err != nil {
		return fmt.Errorf("nodeagent sandbox: chdir: %w", err)
	}
	env := spec.Env
	path := sandboxPATH
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	if !hasEnv(env, "PATH") {
		env = append(env, "PATH="+path)
	}
	if !hasEnv(env, "HOSTNAME") {
		env = append(env, "HOSTNAME="+spec.Hostname)
	}
	prog := spec.Argv[0]
	if !strings.Contains(prog, "/") {
		found := ""
		for _, dir := range filepath.SplitList(path) {
			if st, err := os.Stat(filepath.Join(dir, prog)); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				found = filepath.Join(dir, prog)
				break
			}
		}
		if found == "" {
			return fmt.Errorf("nodeagent sandbox: %q not found in PATH %s", prog, path)
		}
		prog = found
	}
	return syscall.Exec(prog, spec.Argv, env)
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// rootBuilder tracks which directories of the new root are the host's (bind mounts: creating
// a mount point there would write to the host) and which are ours (tmpfs, volumes, directories
// we made).
type rootBuilder struct {
	root      string
	hostBound map[string]bool // paths inside the container
	owned     map[string]bool
}

// buildRoot makes spec.RootDir the container's root: a private tmpfs holding bind mounts of
// every top-level entry of the host's /, then the spec's mounts. Mount points that do not
// exist are created in our own directories; when their parent is a host directory, that
// directory is first "shadowed" by a tmpfs holding binds of its entries, so nothing is ever
// created on the host (e.g. /etc/zkensemble for a ConfigMap). All targets are made first and
// mounted after, so a shadow never hides a volume.
func buildRoot(spec *SandboxSpec) error {
	// Nothing done here may leak back to the host's mount table.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	if err := syscall.Mount("tmpfs", spec.RootDir, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("tmpfs on %s: %w", spec.RootDir, err)
	}
	b := &rootBuilder{root: spec.RootDir, hostBound: map[string]bool{}, owned: map[string]bool{"/": true}}
	if err := b.bindEntries("/"); err != nil {
		return err
	}
	// Mount targets are container paths: a symlink on the way (/var/run → /run on most hosts,
	// where service-account tokens go) must be followed inside the new root, not on the host,
	// as runc does with securejoin.
	for i := range spec.Mounts {
		t, err := resolveInRoot(b.root, spec.Mounts[i].Target)
		if err != nil {
			return fmt.Errorf("mount point %s: %w", spec.Mounts[i].Target, err)
		}
		spec.Mounts[i].Target = t
	}
	for _, m := range spec.Mounts {
		st, err := os.Stat(m.Source)
		if err != nil {
			return fmt.Errorf("mount source: %w", err)
		}
		if err := b.ensure(m.Target, st.IsDir()); err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
	}
	for _, m := range spec.Mounts {
		dst := filepath.Join(b.root, m.Target)
		if err := syscall.Mount(m.Source, dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", m.Source, m.Target, err)
		}
		if m.ReadOnly {
			if err := syscall.Mount("", dst, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_REC, ""); err != nil {
				return fmt.Errorf("read-only %s: %w", m.Target, err)
			}
		}
		b.owned[m.Target] = true
	}
	return nil
}

// bindEntries mirrors the host directory dir (a container path, the same on the host) into the
// root: directories and files bound, symlinks copied.
func (b *rootBuilder) bindEntries(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		src := filepath.Join(dir, e.Name())
		dst := filepath.Join(b.root, src)
		if src == b.root || strings.HasPrefix(b.root, src+"/") && dir != "/" {
			// Never bind the directory that holds the root under construction into itself
			// below the top level (the top level is needed: it holds the host's files).
			continue
		}
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
		case e.IsDir():
			if err := os.Mkdir(dst, 0o755); err != nil {
				return err
			}
			if err := syscall.Mount(src, dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
				return fmt.Errorf("bind %s: %w", src, err)
			}
			b.hostBound[src] = true
		case e.Type().IsRegular():
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			f.Close()
			if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
				return fmt.Errorf("bind %s: %w", src, err)
			}
			b.hostBound[src] = true
		default:
			// Sockets, devices and fifos at this level are left out.
		}
	}
	return nil
}

func (b *rootBuilder) isOwned(p string) bool {
	for {
		if b.owned[p] {
			return true
		}
		if b.hostBound[p] || p == "/" {
			return false
		}
		p = filepath.Dir(p)
	}
}

// ensure creates the mount point p (a directory or a file) inside the root.
func (b *rootBuilder) ensure(p string, dir bool) error {
	p = filepath.Clean(p)
	if p == "/" {
		return nil
	}
	parent := filepath.Dir(p)
	if err := b.ensure(parent, true); err != nil {
		return err
	}
	full := filepath.Join(b.root, p)
	if _, err := os.Stat(full); err == nil {
		return nil
	}
	if !b.isOwned(parent) {
		if err := b.shadow(parent); err != nil {
			return err
		}
	}
	b.owned[p] = true
	if dir {
		return os.Mkdir(full, 0o755)
	}
	f, err := os.OpenFile(full, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// shadow replaces the host-bound directory d with a tmpfs holding binds of its entries.
func (b *rootBuilder) shadow(d string) error {
	full := filepath.Join(b.root, d)
	st, err := os.Stat(d)
	if err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", full, "tmpfs", 0, fmt.Sprintf("mode=%o", st.Mode().Perm())); err != nil {
		return fmt.Errorf("shadowing %s: %w", d, err)
	}
	b.owned[d] = true
	delete(b.hostBound, d)
	sub := &rootBuilder{root: b.root, hostBound: b.hostBound, owned: b.owned}
	return sub.bindEntries(d)
}
