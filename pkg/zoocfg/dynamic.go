package zoocfg

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Dynamic is the membership part of the configuration: the content of the file named by
// dynamicConfigFile (ZooKeeper 3.5+ dynamic reconfiguration) and of /zookeeper/config.
type Dynamic struct {
	Servers []ServerLine // sorted by ID
	Groups  map[int64]string
	Weights map[int64]string
	// Version is the config version (the zxid of the reconfig that made it); HasVersion says
	// whether a version= line was present. ZooKeeper keeps the version out of the dynamic file
	// itself and puts it in the file name instead (zoo.cfg.dynamic.<hex>); the text of
	// /zookeeper/config and the .next file carry it inline.
	Version    int64
	HasVersion bool
}

// ParseDynamic reads a dynamic config file: server.N, group.N and weight.N lines and an
// optional version=<hex>. Any other key is an error (QuorumPeerConfig.parseDynamicConfig).
func ParseDynamic(data []byte) (*Dynamic, error) {
	props, err := parseProperties(data)
	if err != nil {
		return nil, err
	}
	d := &Dynamic{}
	holder := Default()
	for _, p := range props {
		key, value := strings.TrimSpace(p.Key), strings.TrimSpace(p.Value)
		switch {
		case key == "version":
			v, err := strconv.ParseUint(value, 16, 64)
			if err != nil {
				return nil, &KeyError{Line: p.Line, Key: key, Err: fmt.Errorf("%w: version %q is not hex", ErrNotNumber, value)}
			}
			d.Version, d.HasVersion = int64(v), true
		case strings.HasPrefix(key, "server.") || strings.HasPrefix(key, "group.") || strings.HasPrefix(key, "weight."):
			if _, err := holder.setKey(key, value); err != nil {
				return nil, &KeyError{Line: p.Line, Key: key, Err: err}
			}
		default:
			return nil, &KeyError{Line: p.Line, Key: key, Err: fmt.Errorf("%w: only server.N, group.N, weight.N and version belong in a dynamic config file", ErrDynamicKey)}
		}
	}
	sort.Slice(holder.Servers, func(i, j int) bool { return holder.Servers[i].ID < holder.Servers[j].ID })
	d.Servers, d.Groups, d.Weights = holder.Servers, holder.Groups, holder.Weights
	return d, nil
}

// Marshal writes the dynamic file: server lines by ID, group.N and weight.N, then
// version=<hex> when HasVersion. ParseDynamic(d.Marshal()) equals d.
func (d *Dynamic) Marshal() []byte {
	var b bytes.Buffer
	writeMembers(&b, d.Servers, d.Groups, d.Weights, ServerLine.Value)
	if d.HasVersion {
		fmt.Fprintf(&b, "version=%x\n", uint64(d.Version))
	}
	return b.Bytes()
}

// ConfigText is the content of the /zookeeper/config znode as ZooKeeper serves it
// (QuorumMaj.toString): one server.N=… line per member in ID order, each ending in '\n', then
// version=<hex> with no newline. Client parts with only a port show ZooKeeper's wildcard host,
// e.g. "server.1=zk-0:2888:3888:participant;0.0.0.0:2181".
func ConfigText(servers []ServerLine, version int64) string {
	sorted := append([]ServerLine(nil), servers...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var b strings.Builder
	for _, s := range sorted {
		b.WriteString(s.Key())
		b.WriteByte('=')
		b.WriteString(s.zkValue())
		b.WriteByte('\n')
	}
	b.WriteString("version=")
	b.WriteString(strconv.FormatUint(uint64(version), 16))
	return b.String()
}

// VersionFromFilename returns the config version in the suffix of a dynamic file name
// ("zoo.cfg.dynamic.100000000" → 0x100000000); ok is false when the name has no hex suffix
// (QuorumPeerConfig.getVersionFromFilename), in which case the version is 0.
func VersionFromFilename(name string) (version int64, ok bool) {
	base := filepath.Base(name)
	i := strings.LastIndexByte(base, '.')
	if i < 0 || i == len(base)-1 {
		return 0, false
	}
	v, err := strconv.ParseUint(base[i+1:], 16, 64)
	if err != nil {
		return 0, false
	}
	return int64(v), true
}

// DynamicFileName is where a member writes the config it activated:
// <zoo.cfg>.dynamic.<version hex> (QuorumPeer.makeDynamicConfigFilename).
func DynamicFileName(configFile string, version int64) string {
	return configFile + ".dynamic." + strconv.FormatUint(uint64(version), 16)
}

// DynamicFileContent is that file's content: the server lines sorted as text, no version
// (it is in the name), as QuorumPeerConfig.writeDynamicConfig writes them.
func DynamicFileContent(servers []ServerLine) []byte {
	lines := make([]string, 0, len(servers))
	for _, s := range servers {
		lines = append(lines, s.Key()+"="+s.zkValue())
	}
	sort.Strings(lines)
	return []byte(strings.Join(lines, "\n") + "\n")
}

// EditStaticConfig rewrites zoo.cfg to point at a dynamic file, as
// QuorumPeerConfig.editStaticConfig does once a member activates a new config: server.N,
// group.N, weight.N, dynamicConfigFile and peerType lines go (the membership lives in the
// dynamic file now), and so do clientPort and clientPortAddress when eraseClient says the
// member's own server line carries its client address; then dynamicConfigFile=<path>.
// Other keys keep their order and values (comments are not kept, as in ZooKeeper).
func EditStaticConfig(static []byte, dynamicPath string, eraseClient bool) ([]byte, error) {
	props, err := parseProperties(static)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	seen := map[string]int{}
	var keep []property
	for _, p := range props {
		key := strings.TrimSpace(p.Key)
		if strings.HasPrefix(key, "server.") || strings.HasPrefix(key, "group") || strings.HasPrefix(key, "weight") ||
			strings.HasPrefix(key, "dynamicConfigFile") || strings.HasPrefix(key, "peerType") ||
			(eraseClient && strings.HasPrefix(key, "clientPort")) {
			continue
		}
		// Properties keeps the last value of a key.
		if i, ok := seen[key]; ok {
			keep[i].Value = p.Value
			continue
		}
		seen[key] = len(keep)
		keep = append(keep, property{Key: key, Value: p.Value})
	}
	for _, p := range keep {
		fmt.Fprintf(&b, "%s=%s\n", escapeKey(p.Key), escapeValue(strings.TrimSpace(p.Value)))
	}
	fmt.Fprintf(&b, "dynamicConfigFile=%s\n", escapeValue(dynamicPath))
	return b.Bytes(), nil
}
