package zoocfg

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Parse, ParseDynamic, Load and ReadMyID return wraps one of these;
// check with errors.Is. Errors about one key are a *KeyError naming the line and the key.
var (
	// ErrSyntax: the file does not follow the properties syntax (bad \u escape, not UTF-8).
	ErrSyntax = errors.New("zoocfg: syntax error")
	// ErrNotNumber: a numeric key holds something that is not a decimal integer.
	ErrNotNumber = errors.New("zoocfg: not a number")
	// ErrNotBool: a boolean key holds something other than true/false (yes/no for forceSync).
	ErrNotBool = errors.New("zoocfg: not a boolean")
	// ErrOutOfRange: a number is outside what the key allows (negative tick time, port > 65535).
	ErrOutOfRange = errors.New("zoocfg: value out of range")
	// ErrMissing: a key the configuration needs is absent (dataDir, tickTime, and initLimit and
	// syncLimit in ensemble mode).
	ErrMissing = errors.New("zoocfg: required key missing")
	// ErrInvalid: a combination of keys ZooKeeper refuses (minSessionTimeout above
	// maxSessionTimeout, clientPortAddress without clientPort, observers without participants, ...).
	ErrInvalid = errors.New("zoocfg: invalid configuration")
	// ErrServerLine: a server.N value does not have the form host:port:port[:type][;[host:]port].
	ErrServerLine = errors.New("zoocfg: malformed server line")
	// ErrDuplicateServer: two server lines carry the same id.
	ErrDuplicateServer = errors.New("zoocfg: duplicate server id")
	// ErrDynamicKey: a key other than server.N, group.N, weight.N and version in a dynamic file,
	// or one of those in a static file that names a dynamicConfigFile.
	ErrDynamicKey = errors.New("zoocfg: key in the wrong config file")
	// ErrMyID: the myid file is missing or does not hold a server id.
	ErrMyID = errors.New("zoocfg: bad myid file")
)

// KeyError locates an error at one key of a configuration file.
type KeyError struct {
	Line int    // 1-based line the key starts on; 0 when not from a file
	Key  string // the key as written
	Err  error  // wraps a sentinel above
}

func (e *KeyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %v", e.Line, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Key, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Warning is something ZooKeeper accepts but an operator should hear about: an unknown key, a
// value ZooKeeper silently corrects, a duplicated key.
type Warning struct {
	Line    int
	Key     string
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", w.Line, w.Key, w.Message)
	}
	return w.Key + ": " + w.Message
}
