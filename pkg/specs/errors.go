package specs

import "errors"

// Sentinel errors; builders wrap them with %w and the detail, check with errors.Is. A reconciler
// reports them in the Degraded condition (InvalidSpec / InvalidConfig) instead of retrying.
var (
	// ErrInvalidSpec: the ZKEnsemble lacks something a builder needs (name, namespace, image) or
	// holds a value the CRD schema should have refused.
	ErrInvalidSpec = errors.New("specs: invalid ZKEnsemble spec")
	// ErrOwnedKey: spec.serverConfig sets a zoo.cfg key the operator owns.
	ErrOwnedKey = errors.New("specs: zoo.cfg key is owned by the operator")
	// ErrConfigKey: a spec.serverConfig key is not a plain zoo.cfg key name.
	ErrConfigKey = errors.New("specs: malformed zoo.cfg key")
	// ErrInvalidConfig: the resulting zoo.cfg is refused by pkg/zoocfg (the server would refuse
	// it too); wraps the zoocfg error.
	ErrInvalidConfig = errors.New("specs: invalid zoo.cfg")
	// ErrTLSSecret: spec.tls's Secret does not exist or lacks a key the members need
	// (CheckTLSSecret). Nothing is applied until it is there: a member pod would wait for its
	// volume, and a roll would take members down one by one into that wait.
	ErrTLSSecret = errors.New("specs: TLS Secret not usable")
)
