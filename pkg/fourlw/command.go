package fourlw

import (
	"encoding/binary"
	"strings"
)

// The four-letter words ZooKeeper 3.8 knows (FourLetterCommands.java), in its registration order.
const (
	CmdConf = "conf" // server configuration
	CmdCons = "cons" // connections with session details
	CmdCrst = "crst" // reset connection statistics
	CmdDirs = "dirs" // snapshot and log directory sizes
	CmdDump = "dump" // sessions by expiry and their ephemerals
	CmdEnvi = "envi" // environment
	CmdGtmk = "gtmk" // get trace mask
	CmdRuok = "ruok" // liveness: "imok"
	CmdStmk = "stmk" // set trace mask (followed by 8 bytes)
	CmdSrst = "srst" // reset server statistics
	CmdSrvr = "srvr" // server summary
	CmdStat = "stat" // srvr plus clients
	CmdWchc = "wchc" // watches by session
	CmdWchp = "wchp" // watches by path
	CmdWchs = "wchs" // watch summary
	CmdMntr = "mntr" // monitoring key/values
	CmdIsro = "isro" // "rw" or "ro"
	CmdHash = "hash" // digest history
)

// Commands lists every known word.
var Commands = []string{CmdConf, CmdCons, CmdCrst, CmdDirs, CmdDump, CmdEnvi, CmdGtmk, CmdRuok,
	CmdStmk, CmdSrst, CmdSrvr, CmdStat, CmdWchc, CmdWchp, CmdWchs, CmdMntr, CmdIsro, CmdHash}

// IsKnown reports whether word is one of Commands.
func IsKnown(word string) bool {
	for _, c := range Commands {
		if c == word {
			return true
		}
	}
	return false
}

// Lookup interprets the first 4 bytes of a connection, which a client request would use as its
// length prefix (NIOServerCnxn.checkFourLetterWord). It returns the word and true when those
// bytes spell a known command; then the connection is a 4lw exchange, not a session.
func Lookup(first4 [4]byte) (string, bool) {
	w := string(first4[:])
	return w, IsKnown(w)
}

// LookupLength is Lookup for a caller that already decoded the prefix as a big-endian int32.
func LookupLength(n int32) (string, bool) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return Lookup(b)
}

// Whitelist is the set of words a server answers (4lw.commands.whitelist, ZOOKEEPER-2693).
type Whitelist struct {
	all  bool
	cmds map[string]bool
}

// ParseWhitelist reads the comma-separated whitelist; "*" allows every command. Like
// FourLetterCommands.isEnabled it always allows srvr, which zkServer.sh status needs.
func ParseWhitelist(s string) Whitelist {
	w := Whitelist{cmds: map[string]bool{CmdSrvr: true}}
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "*" {
			w.all = true
		} else if c != "" {
			w.cmds[c] = true
		}
	}
	return w
}

// Allow returns w with cmd added; a server in read-only mode allows isro this way
// (FourLetterCommands adds it when readonlymode.enabled is set).
func (w Whitelist) Allow(cmd string) Whitelist {
	n := Whitelist{all: w.all, cmds: map[string]bool{cmd: true}}
	for c := range w.cmds {
		n.cmds[c] = true
	}
	return n
}

// Allowed reports whether the server may run cmd.
func (w Whitelist) Allowed(cmd string) bool {
	if w.all {
		return IsKnown(cmd)
	}
	return w.cmds[cmd]
}

// NotServing is the line a command answers while the server is not serving clients
// (AbstractFourLetterCommand.ZK_NOT_SERVING), e.g. during leader election.
const NotServing = "This ZooKeeper instance is not currently serving requests"

// NotWhitelistedReply is the whole reply to a known command the whitelist does not allow
// (NIOServerCnxn.checkFourLetterWord).
func NotWhitelistedReply(cmd string) string {
	return cmd + " is not executed because it is not in the whitelist.\n"
}

// NotServingReply is the whole reply to cmd while the server is not serving. ok is false for
// the commands that answer normally anyway (ruok, envi, gtmk, stmk).
func NotServingReply(cmd string) (reply string, ok bool) {
	switch cmd {
	case CmdRuok, CmdEnvi, CmdGtmk, CmdStmk:
		return "", false
	case CmdIsro:
		return "null", true
	case CmdHash:
		return NotServing, true // DigestCommand prints it without a newline
	}
	return NotServing + "\n", true
}
