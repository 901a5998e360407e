package nodeagent

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
)

// IPAM hands out one loopback address per key (a pod UID) from a prefix inside 127.0.0.0/8.
// Every 127/8 address answers on Linux's lo without configuration, so a pod IP needs no
// interface, route or namespace: a server that binds it is reachable from every other process.
// Addresses whose last octet is 0 or 255 and 127.0.0.1 are never handed out, so a pod IP never
// looks like a network or broadcast address or the host's own loopback.
//
// Allocation is deterministic: the lowest free address. Not safe for concurrent use.
type IPAM struct {
	prefix netip.Prefix
	byKey  map[string]netip.Addr
	used   map[netip.Addr]string
}

// NewIPAM returns an empty allocator over prefix, which must lie inside 127.0.0.0/8.
func NewIPAM(prefix netip.Prefix) (*IPAM, error) {
	prefix = prefix.Masked()
	loop := netip.MustParsePrefix("127.0.0.0/8")
	if !prefix.Addr().Is4() || prefix.Bits() < 8 || !loop.Contains(prefix.Addr()) || prefix.Bits() > 30 {
		return nil, fmt.Errorf("%w: pod IP range %s: want an IPv4 prefix inside 127.0.0.0/8 of /8 to /30", ErrInvalidPod, prefix)
	}
	return &IPAM{prefix: prefix, byKey: map[string]netip.Addr{}, used: map[netip.Addr]string{}}, nil
}

// Prefix is the range addresses come from.
func (a *IPAM) Prefix() netip.Prefix { return a.prefix }

func usable(ip netip.Addr) bool {
	b := ip.As4()
	return b[3] != 0 && b[3] != 255 && ip != netip.MustParseAddr("127.0.0.1")
}

// Allocate returns key's address, allocating the lowest free one on first use.
func (a *IPAM) Allocate(key string) (netip.Addr, error) {
	if ip, ok := a.byKey[key]; ok {
		return ip, nil
	}
	for ip := a.prefix.Addr(); a.prefix.Contains(ip); ip = ip.Next() {
		if _, taken := a.used[ip]; taken || !usable(ip) {
			continue
		}
		a.byKey[key] = ip
		a.used[ip] = key
		return ip, nil
	}
	return netip.Addr{}, fmt.Errorf("%w: %s (%d in use)", ErrIPExhausted, a.prefix, len(a.used))
}

// Lookup returns key's address if it has one.
func (a *IPAM) Lookup(key string) (netip.Addr, bool) {
	ip, ok := a.byKey[key]
	return ip, ok
}

// Release frees key's address; releasing an unknown key does nothing.
func (a *IPAM) Release(key string) {
	if ip, ok := a.byKey[key]; ok {
		delete(a.used, ip)
		delete(a.byKey, key)
	}
}

// Keys lists the keys holding an address, sorted.
func (a *IPAM) Keys() []string {
	keys := make([]string, 0, len(a.byKey))
	for k := range a.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ipamFile is the on-disk form: the range and key → address.
type ipamFile struct {
	Prefix      string            `json:"prefix"`
	Allocations map[string]string `json:"allocations"`
}

// MarshalJSON writes the range and the allocations.
func (a *IPAM) MarshalJSON() ([]byte, error) {
	f := ipamFile{Prefix: a.prefix.String(), Allocations: map[string]string{}}
	for k, ip := range a.byKey {
		f.Allocations[k] = ip.String()
	}
	return json.Marshal(f)
}

// restore loads allocations saved by MarshalJSON. Entries outside the current prefix (the
// range was changed) or clashing with an earlier entry are dropped: their pods get a new
// address, which is what a re-created pod gets anyway.
func (a *IPAM) restore(data []byte) error {
	var f ipamFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("nodeagent: ipam state: %w", err)
	}
	keys := make([]string, 0, len(f.Allocations))
	for k := range f.Allocations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ip, err := netip.ParseAddr(f.Allocations[k])
		if err != nil || !a.prefix.Contains(ip) || !usable(ip) {
			continue
		}
		if _, taken := a.used[ip]; taken {
			continue
		}
		a.byKey[k] = ip
		a.used[ip] = k
	}
	return nil
}

// LoadIPAM returns an allocator over prefix with the allocations saved in path (none if the
// file does not exist).
func LoadIPAM(path string, prefix netip.Prefix) (*IPAM, error) {
	a, err := NewIPAM(prefix)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nodeagent: reading ipam state: %w", err)
	}
	return a, a.restore(data)
}

// SaveIPAM writes a's allocations to path atomically (tmp, fsync, rename).
func SaveIPAM(path string, a *IPAM) error {
	data, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o644)
}

// writeFileAtomic replaces path with data so a reader sees the old or the new file, never a
// torn one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
