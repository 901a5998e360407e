package nodeagent

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrIPExhausted: every address of the configured pod IP range is allocated.
	ErrIPExhausted = errors.New("nodeagent: pod IP range exhausted")
	// ErrUnsupported: the pod asks for something the agent cannot run (image, volume type, ...).
	ErrUnsupported = errors.New("nodeagent: unsupported")
	// ErrInvalidPod: the pod spec is inconsistent (missing volume, bad subPath, unknown key).
	ErrInvalidPod = errors.New("nodeagent: invalid pod")
)
