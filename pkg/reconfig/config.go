package reconfig

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Errors. Each is wrapped with the detail; test with errors.Is.
var (
	// ErrBadVersion: the ensemble's config version is no longer the one the change was
	// decided from (ZooKeeper's BadVersion for a conditional reconfig). Re-observe; never
	// retry the same change blindly.
	ErrBadVersion = errors.New("reconfig: config version changed since it was read")
	// ErrConfig: /zookeeper/config could not be read or parsed.
	ErrConfig = errors.New("reconfig: cannot read the ensemble config")
	// ErrReconfig: the server refused or failed the reconfig for another reason (disabled,
	// not authorised, no quorum for the new config, another reconfig in progress).
	ErrReconfig = errors.New("reconfig: reconfig failed")
	// ErrIndeterminate: the answer to a reconfig was lost (connection closed, timeout); it may
	// or may not have been applied. Re-observe.
	ErrIndeterminate = errors.New("reconfig: outcome unknown, the connection was lost")
	// ErrConnect: no session could be established with any server in time.
	ErrConnect = errors.New("reconfig: cannot connect")
)

// ConfigPath is the znode holding the ensemble's last committed membership.
const ConfigPath = "/zookeeper/config"

// Config is an ensemble membership as ZooKeeper serves it in /zookeeper/config.
type Config struct {
	// Servers by ID, participants and observers.
	Servers []zoocfg.ServerLine
	// Version is the config version: the zxid of the reconfig that made it (0 for a config
	// that came from the static files and was never changed). A conditional reconfig names it.
	Version int64
}

// ParseConfig reads the text of /zookeeper/config (server.N lines, then version=<hex>). The
// format is the dynamic config file's, so pkg/zoocfg parses it: one parser for the server and
// the operator.
func ParseConfig(data []byte) (Config, error) {
	d, err := zoocfg.ParseDynamic(data)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(d.Servers) == 0 {
		return Config{}, fmt.Errorf("%w: no server lines", ErrConfig)
	}
	return Config{Servers: d.Servers, Version: d.Version}, nil
}

// Voters are the participants' ids, ascending.
func (c Config) Voters() []int64 {
	var ids []int64
	for _, s := range c.Servers {
		if s.Type == zoocfg.Participant {
			ids = append(ids, s.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// IsVoter reports whether id is a participant of c.
func (c Config) IsVoter(id int64) bool { return slices.Contains(c.Voters(), id) }

// Lists reports whether c has a server line for id, of any type.
func (c Config) Lists(id int64) bool {
	return slices.ContainsFunc(c.Servers, func(s zoocfg.ServerLine) bool { return s.ID == id })
}

// VersionString is the version as ZooKeeper prints it (lower-case hex without 0x), the form of
// status.configVersion.
func (c Config) VersionString() string { return strconv.FormatUint(uint64(c.Version), 16) }

// Text is c as /zookeeper/config serves it; a joining member's initial dynamic config is Text
// of the current config plus its own line (ZooKeeper's reconfiguration guide).
func (c Config) Text() string { return zoocfg.ConfigText(c.Servers, c.Version) }
