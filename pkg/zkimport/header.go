package zkimport

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/jute"
)

// File magics and the one format version ZooKeeper has written since 3.0 (FileSnap.SNAP_MAGIC,
// FileTxnLog.TXNLOG_MAGIC, FileTxnLog.VERSION): the four ASCII bytes read as a big-endian int.
const (
	SnapshotMagic int32 = 0x5a4b534e // "ZKSN"
	LogMagic      int32 = 0x5a4b4c47 // "ZKLG"
	FormatVersion int32 = 2
)

// headerBytes is the size of a FileHeader record.
const headerBytes = 16

// FileHeader starts every snapshot and log file (zookeeper.jute persistence.FileHeader).
type FileHeader struct {
	Magic   int32
	Version int32
	// DBID is the database id; ZooKeeper always writes -1 in snapshots and logs.
	DBID int64
}

func (h *FileHeader) Encode(e *jute.Encoder) {
	e.WriteInt(h.Magic)
	e.WriteInt(h.Version)
	e.WriteLong(h.DBID)
}

func (h *FileHeader) Decode(d *jute.Decoder) {
	h.Magic = d.ReadInt()
	h.Version = d.ReadInt()
	h.DBID = d.ReadLong()
}

// readHeader reads and checks a file header. ZooKeeper checks only the magic
// (FileTxnIterator.inStreamCreated); we also refuse other versions, which no ZooKeeper wrote.
func readHeader(a *archive, magic int32, kind string) FileHeader {
	var h FileHeader
	a.readRecord(&h, headerBytes, kind+" header")
	if a.err != nil {
		return h
	}
	if h.Magic != magic {
		a.fail(fmt.Errorf("%w: %s header at offset 0 has magic %#08x (%q), want %#08x (%q)",
			ErrBadMagic, kind, uint32(h.Magic), magicText(h.Magic), uint32(magic), magicText(magic)))
		return h
	}
	if h.Version != FormatVersion {
		a.fail(fmt.Errorf("%w: %s header at offset 4 has version %d, want %d", ErrBadVersion, kind, h.Version, FormatVersion))
	}
	return h
}

func magicText(m int32) string {
	return string([]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
}
