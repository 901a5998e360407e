package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// javaDateLayout is java.util.Date.toString(): "EEE MMM dd HH:mm:ss zzz yyyy".
const javaDateLayout = "Mon Jan 02 15:04:05 MST 2006"

// JavaDate formats milliseconds since the epoch as Java's Date.toString does in zone loc.
func JavaDate(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format(javaDateLayout)
}

// javaHex is Long.toHexString: lower case, no padding, negatives as two's complement.
func javaHex(v int64) string { return fmt.Sprintf("%x", uint64(v)) }

// FormatStat renders a Stat as zkCli's StatPrinter does, one "name = value" line per field.
func FormatStat(s *zk.Stat, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cZxid = 0x%s\n", javaHex(s.Czxid))
	fmt.Fprintf(&b, "ctime = %s\n", JavaDate(s.Ctime, loc))
	fmt.Fprintf(&b, "mZxid = 0x%s\n", javaHex(s.Mzxid))
	fmt.Fprintf(&b, "mtime = %s\n", JavaDate(s.Mtime, loc))
	fmt.Fprintf(&b, "pZxid = 0x%s\n", javaHex(s.Pzxid))
	fmt.Fprintf(&b, "cversion = %d\n", s.Cversion)
	fmt.Fprintf(&b, "dataVersion = %d\n", s.Version)
	fmt.Fprintf(&b, "aclVersion = %d\n", s.Aversion)
	fmt.Fprintf(&b, "ephemeralOwner = 0x%s\n", javaHex(s.EphemeralOwner))
	fmt.Fprintf(&b, "dataLength = %d\n", s.DataLength)
	fmt.Fprintf(&b, "numChildren = %d\n", s.NumChildren)
	return b.String()
}

// FormatChildren renders a child list as LsCommand does: sorted, "[a, b]". The input is not
// modified.
func FormatChildren(children []string) string {
	c := append([]string(nil), children...)
	sort.Strings(c)
	return "[" + strings.Join(c, ", ") + "]\n"
}

// FormatList renders a list as Java's List.toString (getEphemerals): "[a, b]", unsorted.
func FormatList(items []string) string { return "[" + strings.Join(items, ", ") + "]\n" }

// FormatData renders znode data as GetCommand's plain formatter: the bytes as UTF-8 text, and
// "null" for a null buffer.
func FormatData(data []byte) string {
	if data == nil {
		return "null\n"
	}
	return strings.ToValidUTF8(string(data), "\uFFFD") + "\n"
}

// FormatEvent renders a watch event as zkCli's default watcher prints it (two messages, each
// preceded by an empty line; WatchedEvent.toString with Java's "null" for a missing path).
func FormatEvent(state protocol.KeeperState, typ protocol.EventType, path string) string {
	if path == "" {
		path = "null"
	}
	return fmt.Sprintf("\nWATCHER::\n\nWatchedEvent state:%s type:%s path:%s\n", state, typ, path)
}

// ClientConfigString is ConfigUtils.getClientConfigStr, used by `config -c`: the config version
// then the comma-separated client addresses of the server.N lines ("version=100000000" and
// "server.1=h:2888:3888;0.0.0.0:2181" give "100000000 0.0.0.0:2181"). Servers are listed in
// id order; a server line without a client part contributes an empty entry.
func ClientConfigString(config string) string {
	version := ""
	type srv struct {
		id     int64
		client string
	}
	var servers []srv
	for _, line := range strings.Split(config, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "version" {
			version = v
		}
		idText, isServer := strings.CutPrefix(k, "server.")
		if !isServer {
			continue
		}
		var id int64
		fmt.Sscanf(idText, "%d", &id)
		client := ""
		if _, cp, ok := strings.Cut(v, ";"); ok {
			client = cp
			if !strings.Contains(cp, ":") {
				client = "0.0.0.0:" + cp
			}
		}
		servers = append(servers, srv{id, client})
	}
	sort.Slice(servers, func(i, j int) bool { return servers[i].id < servers[j].id })
	parts := make([]string, len(servers))
	for i, s := range servers {
		parts[i] = s.client
	}
	return version + " " + strings.Join(parts, ",")
}
