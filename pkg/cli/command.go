package cli

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Kind names a zkCli command.
type Kind int

const (
	KindUnknown Kind = iota
	KindLs
	KindCreate
	KindGet
	KindSet
	KindStat
	KindDelete
	KindDeleteAll
	KindGetACL
	KindSetACL
	KindAddAuth
	KindSync
	KindAddWatch
	KindRemoveWatches
	KindGetEphemerals
	KindGetAllChildrenNumber
	KindWhoAmI
	KindConfig
	KindConnect
	KindClose
	KindQuit
	KindHelp
	KindHistory
	KindRedo
	KindPrintWatches
	KindVersion
)

// commandNames maps the word typed at the prompt to its Kind. The spelling (addWatch, getAcl,
// removewatches, ...) is zkCli's, which is not consistent but is what users type.
var commandNames = map[string]Kind{
	"ls": KindLs, "create": KindCreate, "get": KindGet, "set": KindSet, "stat": KindStat,
	"delete": KindDelete, "deleteall": KindDeleteAll, "getAcl": KindGetACL, "setAcl": KindSetACL,
	"addauth": KindAddAuth, "sync": KindSync, "addWatch": KindAddWatch,
	"removewatches": KindRemoveWatches, "getEphemerals": KindGetEphemerals,
	"getAllChildrenNumber": KindGetAllChildrenNumber, "whoami": KindWhoAmI, "config": KindConfig,
	"connect": KindConnect, "close": KindClose, "quit": KindQuit, "help": KindHelp,
	"history": KindHistory, "redo": KindRedo, "printwatches": KindPrintWatches,
	"version": KindVersion,
}

func (k Kind) String() string {
	for name, kk := range commandNames {
		if kk == k {
			return name
		}
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Command is one parsed command line. Only the fields meaningful for Kind are set; the others
// keep their zero value except Version (-1, "any version") and BatchSize (zkCli's 1000).
type Command struct {
	Kind Kind
	// Args is the tokenized line, Args[0] being the command word.
	Args []string
	Path string

	Data    []byte
	HasData bool
	// ACLText is the unparsed acl argument of create/setAcl ("scheme:id:perms[,...]"); it is
	// parsed when the command runs because zkCli prints its complaints about it then.
	ACLText string
	HasACL  bool

	WithStat   bool // -s on ls/get/set/getAcl/setAcl/config
	Watch      bool // -w on ls/get/stat/config
	Recursive  bool // -R on ls/setAcl
	Ephemeral  bool // create -e
	Sequential bool // create -s
	Container  bool // create -c
	HasTTL     bool // create -t
	TTLMillis  int64

	Version   int32 // -v; -1 when absent
	BatchSize int   // deleteall -b

	Scheme  string // addauth
	Auth    []byte // addauth; nil when not given
	HasAuth bool

	WatchMode   protocol.AddWatchMode // addWatch -m
	WatcherType protocol.WatcherType  // removewatches -c/-d/-a
	Local       bool                  // removewatches -l

	ClientConfigOnly bool   // config -c
	Server           string // connect; empty = reconnect to the current server
	RedoIndex        int
	// PrintWatches is "on", "off" or "" (only query).
	PrintWatches string

	// Warning is a deprecation notice zkCli prints to stderr before running the command.
	Warning string
}
