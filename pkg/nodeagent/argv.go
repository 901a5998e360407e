package nodeagent

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// DefaultImageMatch: images whose name contains it run the local zkensemble binary.
const DefaultImageMatch = "zkensemble"

// ContainerArgv maps a container onto a local command line. The image's entrypoint is taken to
// be `zkensemble` (as in the project's image): with no command, argv is zkensemble + args;
// with a command, command[0] named zkensemble (any directory) becomes the sandbox's binary and
// any other command[0] runs from the host's PATH (e.g. sh -c wrappers). $(VAR) references are
// expanded with the container's environment as Kubernetes does. Images not containing
// imageMatch are refused with ErrUnsupported.
func ContainerArgv(c *corev1.Container, env []string, imageMatch string) ([]string, error) {
	if imageMatch == "" {
		imageMatch = DefaultImageMatch
	}
	if !strings.Contains(c.Image, imageMatch) {
		return nil, fmt.Errorf("%w: image %q: this node runs only images whose name contains %q (mapped to the local zkensemble binary)", ErrUnsupported, c.Image, imageMatch)
	}
	var argv []string
	if len(c.Command) > 0 {
		argv = append(append(argv, c.Command...), c.Args...)
	} else {
		argv = append([]string{"zkensemble"}, c.Args...)
	}
	return MapArgv(argv, env), nil
}

// MapArgv expands $(VAR) in argv and points a command named zkensemble at the sandbox's binary.
// Exec probes go through it too.
func MapArgv(argv []string, env []string) []string {
	lookup := EnvLookup(env)
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = Expand(a, lookup)
	}
	if len(out) > 0 && path.Base(out[0]) == "zkensemble" {
		out[0] = SandboxBinaryPath
	}
	return out
}
