package zoocfg

import (
	"bytes"
	"sort"
	"strconv"
)

// Marshal writes c as zoo.cfg text. The output is deterministic: known keys in a fixed order
// (the order of a stock zoo.cfg first), then Other sorted by key, then server lines by ID, then
// group.N and weight.N by N. A key whose value equals the default Parse fills in is left out,
// except tickTime and dataDir, which a reader expects to see. For every Config Parse returns,
// Parse(Marshal(c)) equals c.
//
// When DynamicConfigFile is set, the server, group and weight lines belong to that file
// (ZooKeeper refuses them in the static file): Marshal leaves them out and MarshalDynamic
// writes them.
func (c *Config) Marshal() []byte {
	var b bytes.Buffer
	for _, f := range fields {
		if v, write := f.get(c); write {
			writeProp(&b, f.key, v)
		}
	}
	keys := make([]string, 0, len(c.Other))
	for k := range c.Other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		writeProp(&b, k, c.Other[k])
	}
	if c.DynamicConfigFile == "" {
		writeMembers(&b, c.Servers, c.Groups, c.Weights, ServerLine.Value)
	}
	return b.Bytes()
}

func writeProp(b *bytes.Buffer, key, value string) {
	b.WriteString(escapeKey(key))
	b.WriteByte('=')
	b.WriteString(escapeValue(value))
	b.WriteByte('\n')
}

// writeMembers writes server lines sorted by ID, then group.N and weight.N sorted by N.
func writeMembers(b *bytes.Buffer, servers []ServerLine, groups, weights map[int64]string, value func(ServerLine) string) {
	sorted := append([]ServerLine(nil), servers...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, s := range sorted {
		writeProp(b, s.Key(), value(s))
	}
	for _, m := range []struct {
		prefix string
		vals   map[int64]string
	}{{"group.", groups}, {"weight.", weights}} {
		ids := make([]int64, 0, len(m.vals))
		for id := range m.vals {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			writeProp(b, m.prefix+strconv.FormatInt(id, 10), m.vals[id])
		}
	}
}
