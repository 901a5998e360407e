package cli

import (
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// usageLines is zkCli's list of commands with their synopsis, as `help` prints it (sorted the
// way ZooKeeperMain.usage sorts: by String.compareTo, so upper case before lower case). Quota
// and reconfig commands are zkCli's but not implemented here; they are left out of the list.
var usageLines = map[Kind]string{
	KindAddWatch:             "addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
	KindAddAuth:              "addauth scheme auth",
	KindClose:                "close ",
	KindConfig:               "config [-c] [-w] [-s]",
	KindConnect:              "connect host:port",
	KindCreate:               "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
	KindDelete:               "delete [-v version] path",
	KindDeleteAll:            "deleteall path [-b batch size]",
	KindGet:                  "get [-s] [-w] path",
	KindGetACL:               "getAcl [-s] path",
	KindGetAllChildrenNumber: "getAllChildrenNumber path",
	KindGetEphemerals:        "getEphemerals path",
	KindHistory:              "history ",
	KindLs:                   "ls [-s] [-w] [-R] path",
	KindPrintWatches:         "printwatches on|off",
	KindQuit:                 "quit ",
	KindRedo:                 "redo cmdno",
	KindRemoveWatches:        "removewatches path [-c|-d|-a] [-l]",
	KindSet:                  "set [-s] [-v version] path data",
	KindSetACL:               "setAcl [-s] [-v version] [-R] path acl",
	KindStat:                 "stat [-w] path",
	KindSync:                 "sync path",
	KindVersion:              "version ",
	KindWhoAmI:               "whoami ",
}

// unsupportedUsage lists zkCli commands this shell knows of but does not implement (quotas are
// kept under /zookeeper/quota by the Java client; reconfig needs an ensemble). They appear in the
// usage so `help` matches zkCli, and running them reports ErrNotSupported.
var unsupportedUsage = map[string]string{
	"delquota":  "delquota [-n|-b|-N|-B] path",
	"listquota": "listquota path",
	"reconfig":  "reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
	"setquota":  "setquota -n|-b|-N|-B val path",
}

// flagSpecs are the flags each command accepts (see parseOptions for the notation).
var flagSpecs = map[Kind]string{
	KindLs: "swR?", KindCreate: "esct:", KindGet: "sw", KindSet: "sv:", KindStat: "w",
	KindDelete: "v:", KindDeleteAll: "b:", KindGetACL: "s", KindSetACL: "sv:R",
	KindAddWatch: "m:", KindRemoveWatches: "cdal", KindConfig: "swc",
}

// Parse turns a tokenized command line (see Tokenize) into a Command, checking arguments the
// way the zkCli command classes do. It does not touch the network.
func Parse(tokens []string) (Command, error) {
	if len(tokens) == 0 {
		return Command{}, usageErr("No command entered")
	}
	kind, ok := commandNames[tokens[0]]
	if _, known := unsupportedUsage[tokens[0]]; known {
		return Command{Args: tokens}, &cliError{kind: ErrNotSupported, msg: tokens[0] + " is not supported by this client yet"}
	}
	if !ok || kind == KindHelp {
		// zkCli has no help command: it prints the usage for any unknown word, help included.
		return Command{Kind: KindHelp, Args: tokens}, &cliError{kind: ErrCommandNotFound,
			msg: "Command not found: Command not found " + tokens[0]}
	}
	c := Command{Kind: kind, Args: tokens, Version: -1, BatchSize: 1000}
	p, err := parseOptions(tokens, flagSpecs[kind])
	if err != nil {
		return c, err
	}
	a := p.args
	usage := func() error { return usageErr("%s", usageLines[kind]) }

	// ls, get, stat and delete accepted an older positional form ("get path watch"); zkCli
	// still honours it with a warning (GetCommand.retainCompatibility).
	legacy := func(form string) {
		if len(a) > 2 {
			c.Warning = "'" + tokens[0] + " path [" + form + "]' has been deprecated. " + legacyHint[kind]
			if kind != KindDelete {
				c.Watch = true
			}
			a = a[:2]
		}
	}

	switch kind {
	case KindLs:
		if len(a) < 2 {
			return c, usage()
		}
		legacy("watch")
		c.Path, c.WithStat, c.Watch, c.Recursive = a[1], p.has('s'), c.Watch || p.has('w'), p.has('R')
	case KindGet:
		if len(a) < 2 {
			return c, usage()
		}
		legacy("watch")
		c.Path, c.WithStat, c.Watch = a[1], p.has('s'), c.Watch || p.has('w')
	case KindStat:
		if len(a) < 2 {
			return c, usage()
		}
		legacy("watch")
		c.Path, c.Watch = a[1], c.Watch || p.has('w')
	case KindDelete:
		if len(a) < 2 {
			return c, usage()
		}
		legacy("version")
		c.Path = a[1]
		if err := parseVersion(&c, p); err != nil {
			return c, err
		}
	case KindSet:
		if len(a) < 3 {
			return c, usage()
		}
		c.Path, c.Data, c.HasData, c.WithStat = a[1], []byte(a[2]), true, p.has('s')
		if err := parseVersion(&c, p); err != nil {
			return c, err
		}
	case KindCreate:
		if len(a) < 2 {
			return c, usage()
		}
		if err := parseCreate(&c, p); err != nil {
			return c, err
		}
	case KindDeleteAll:
		if len(a) < 2 {
			return c, usage()
		}
		c.Path = a[1]
		if v, ok := p.flags['b']; ok {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return c, usageErr("-b argument must be an int value")
			}
			c.BatchSize = int(n)
		}
	case KindGetACL:
		if len(a) < 2 {
			return c, usage()
		}
		c.Path, c.WithStat = a[1], p.has('s')
	case KindSetACL:
		if len(a) < 3 {
			return c, usage()
		}
		c.Path, c.ACLText, c.HasACL, c.WithStat, c.Recursive = a[1], a[2], true, p.has('s'), p.has('R')
		if err := parseVersion(&c, p); err != nil {
			return c, err
		}
	case KindAddAuth:
		if len(a) < 2 {
			return c, usage()
		}
		c.Scheme = a[1]
		if len(a) >= 3 {
			c.Auth, c.HasAuth = []byte(a[2]), true
		}
	case KindSync, KindGetAllChildrenNumber:
		if len(a) < 2 {
			return c, usage()
		}
		c.Path = a[1]
	case KindGetEphemerals:
		// Without a path zkCli lists all of the session's ephemerals (prefix "/").
		c.Path = "/"
		if len(a) >= 2 {
			c.Path = a[1]
		}
	case KindAddWatch:
		if len(a) != 2 {
			return c, usage()
		}
		c.Path, c.WatchMode = a[1], protocol.AddWatchPersistentRecursive
		if m, ok := p.flags['m']; ok {
			switch strings.ToUpper(m) {
			case "PERSISTENT":
				c.WatchMode = protocol.AddWatchPersistent
			case "PERSISTENT_RECURSIVE":
				c.WatchMode = protocol.AddWatchPersistentRecursive
			default:
				return c, usage()
			}
		}
	case KindRemoveWatches:
		if len(a) < 2 {
			return c, usage()
		}
		c.Path, c.WatcherType, c.Local = a[1], protocol.WatcherAny, p.has('l')
		switch {
		case p.has('c'):
			c.WatcherType = protocol.WatcherChildren
		case p.has('d'):
			c.WatcherType = protocol.WatcherData
		}
	case KindConfig:
		c.WithStat, c.Watch, c.ClientConfigOnly = p.has('s'), p.has('w'), p.has('c')
	case KindConnect:
		if len(a) >= 2 {
			c.Server = a[1]
		}
	case KindPrintWatches:
		if len(a) >= 2 {
			// ZooKeeperMain: anything but "on" turns printing off.
			c.PrintWatches = "off"
			if a[1] == "on" {
				c.PrintWatches = "on"
			}
		}
	case KindRedo:
		if len(a) < 2 {
			return c, usage()
		}
		n, err := strconv.ParseInt(a[1], 0, 32)
		if err != nil {
			return c, usageErr("Command index out of range")
		}
		c.RedoIndex = int(n)
	case KindVersion:
		if len(a) > 1 {
			return c, usage()
		}
	}
	return c, nil
}

var legacyHint = map[Kind]string{
	KindLs:     "Please use 'ls [-w] path' instead.",
	KindGet:    "Please use 'get [-s] [-w] path' instead.",
	KindStat:   "Please use 'stat [-w] path' instead.",
	KindDelete: "Please use 'delete [-v version] path' instead.",
}

func parseVersion(c *Command, p parsedOptions) error {
	v, ok := p.flags['v']
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return usageErr("-v argument must be an int value")
	}
	c.Version = int32(n)
	return nil
}

// parseCreate applies CreateCommand's rules on combining -e, -s, -c and -t.
func parseCreate(c *Command, p parsedOptions) error {
	a := p.args
	c.Ephemeral, c.Sequential, c.Container = p.has('e'), p.has('s'), p.has('c')
	if c.Container && (c.Ephemeral || c.Sequential) {
		return usageErr("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
	}
	if v, ok := p.flags['t']; ok {
		ttl, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return usageErr("-t argument must be a long value")
		}
		c.HasTTL, c.TTLMillis = true, ttl
	}
	if c.HasTTL && c.Ephemeral {
		return usageErr("TTLs cannot be used with Ephemeral znodes")
	}
	if c.HasTTL && c.Container {
		return usageErr("TTLs cannot be used with Container znodes")
	}
	if c.HasTTL && (c.TTLMillis <= 0 || c.TTLMillis > protocol.MaxTTLMillis) {
		// EphemeralType.TTL.toEphemeralOwner's check.
		return usageErr("ttl must be positive and cannot be larger than: %d", protocol.MaxTTLMillis)
	}
	c.Path = a[1]
	if len(a) > 2 {
		c.Data, c.HasData = []byte(a[2]), true
	}
	if len(a) > 3 {
		c.ACLText, c.HasACL = a[3], true
	}
	return nil
}

// CreateMode is the mode a create command asks for (CreateCommand.exec's decision table).
func (c Command) CreateMode() protocol.CreateMode {
	switch {
	case c.Ephemeral && c.Sequential:
		return protocol.ModeEphemeralSequential
	case c.Ephemeral:
		return protocol.ModeEphemeral
	case c.Sequential && c.HasTTL:
		return protocol.ModePersistentSequentialWithTTL
	case c.Sequential:
		return protocol.ModePersistentSequential
	case c.Container:
		return protocol.ModeContainer
	case c.HasTTL:
		return protocol.ModePersistentWithTTL
	}
	return protocol.ModePersistent
}
