package fourlw

import (
	"strconv"
	"strings"
)

// Ruok is the reply to ruok (no newline). ZooKeeper answers it even while not serving, so it
// proves only that the process accepts connections.
func Ruok() string { return "imok" }

// Isro is the reply to isro (no newline): "ro" for a read-only server, "rw" otherwise.
func Isro(readOnly bool) string {
	if readOnly {
		return "ro"
	}
	return "rw"
}

// Dirs renders the reply to dirs (DirsCommand).
func (s *ServerStats) Dirs() string {
	return "datadir_size: " + strconv.FormatInt(s.DataDirSizeBytes, 10) + "\n" +
		"logdir_size: " + strconv.FormatInt(s.LogDirSizeBytes, 10) + "\n"
}

// Crst is the reply to crst after the server reset its per-connection statistics.
func Crst() string { return "Connection stats reset.\n" }

// Srst is the reply to srst after the server reset its statistics (latencies, packet counts,
// and on a leader the proposal sizes).
func Srst() string { return "Server stats reset.\n" }

// Gtmk is the reply to gtmk: the trace mask in decimal, no newline.
func Gtmk(mask int64) string { return strconv.FormatInt(mask, 10) }

// DefaultTraceMask is ZooTrace's initial mask, 306: the client-request, server-packet, session
// and warning bits (1<<1 | 1<<4 | 1<<5 | 1<<8).
const DefaultTraceMask int64 = 306

// Stmk is the reply to stmk: the 8-byte big-endian mask that followed the word, echoed in
// decimal, no newline.
func Stmk(mask int64) string { return strconv.FormatInt(mask, 10) }

// ZxidDigest is one entry of the digest history (hash).
type ZxidDigest struct {
	Zxid   int64
	Digest int64
}

// Hash renders the reply to hash: "<hex zxid>: <digest>" lines (DigestCommand). Empty when the
// server keeps no digests, as ZooKeeper with digest.enabled=false.
func Hash(entries []ZxidDigest) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(hex(e.Zxid) + ": " + strconv.FormatInt(e.Digest, 10) + "\n")
	}
	return b.String()
}
