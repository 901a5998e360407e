package nodeagent

import (
	"encoding/json"
	"fmt"
	"os"
)

// SandboxSpec is what the helper (`zkensemble nodeagent sandbox SPEC [-- ARGV...]`) needs to
// build a container's private view of the machine and exec its process. The agent writes it
// as JSON next to the pod's other state; exec probes reuse it with their own argv.
type SandboxSpec struct {
	// RootDir is an existing, empty host directory; the helper mounts a tmpfs on it inside the
	// new mount namespace and builds the container's root there.
	RootDir  string   `json:"rootDir"`
	Hostname string   `json:"hostname"`
	Argv     []string `json:"argv"`
	Env      []string `json:"env"`
	// WorkingDir inside the container; "" is "/".
	WorkingDir string `json:"workingDir,omitempty"`
	// Mounts are bind mounts in order (volumes first, then /etc/hosts, /etc/hostname and the
	// binary), each target created if missing.
	Mounts []Mount `json:"mounts"`
}

// SandboxBinaryPath is where the zkensemble binary appears inside every sandbox, so a command
// or probe naming `zkensemble` runs the agent's binary whatever the pod mounts over /tmp or
// /usr (the image's zkensemble on PATH, in a real cluster).
const SandboxBinaryPath = "/.nodeagent/zkensemble"

// sandboxPATH is the PATH a container gets when its env has none (the Debian default plus the
// binary's directory).
const sandboxPATH = "/.nodeagent:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// WriteSandboxSpec saves spec to path.
func WriteSandboxSpec(path string, spec *SandboxSpec) error {
	data, err := json.MarshalIndent(spec, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}

// ReadSandboxSpec loads a spec written by WriteSandboxSpec.
func ReadSandboxSpec(path string) (*SandboxSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s SandboxSpec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("nodeagent: sandbox spec %s: %w", path, err)
	}
	return &s, nil
}
