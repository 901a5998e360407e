package harness

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefaultTickTimeMS is ZooKeeper's conventional tickTime.
const DefaultTickTimeMS = 2000

// Options shapes the generated zoo.cfg.
type Options struct {
	// TickTimeMS is zoo.cfg tickTime; 0 means DefaultTickTimeMS.
	TickTimeMS int
	// Extra holds additional zoo.cfg keys (e.g. "minSessionTimeout", "jute.maxbuffer",
	// "DigestAuthenticationProvider.superDigest"); they override the defaults below.
	Extra map[string]string
	// JVMFlags are Java system properties for the server, e.g.
	// -Djava.security.auth.login.config=<jaas file>: Apache's JVM gets them on its command
	// line, zkensemble in SERVER_JVMFLAGS, where zkServer.sh users put them and where
	// `zkensemble server` reads the ones it understands.
	JVMFlags []string
}

// zooCfg renders the zoo.cfg both targets read. Keys are written sorted so the file is stable.
// 4lw.commands.whitelist=* lets tests use every four-letter word, extendedTypesEnabled turns on
// TTL nodes, and the AdminServer is off because it would bind port 8080 on every instance.
func zooCfg(dataDir string, clientPort int, opts Options) string {
	tick := opts.TickTimeMS
	if tick == 0 {
		tick = DefaultTickTimeMS
	}
	kv := map[string]string{
		"tickTime":                fmt.Sprint(tick),
		"dataDir":                 dataDir,
		"clientPort":              fmt.Sprint(clientPort),
		"clientPortAddress":       "127.0.0.1",
		"4lw.commands.whitelist":  "*",
		"extendedTypesEnabled":    "true",
		"admin.enableServer":      "false",
		"standaloneEnabled":       "true",
		"autopurge.purgeInterval": "0",
	}
	maps.Copy(kv, opts.Extra)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		fmt.Fprintf(&b, "%s=%s\n", k, kv[k])
	}
	return b.String()
}
