package zkimport

import (
	"errors"
	"fmt"
	"hash/adler32"
	"io"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// endOfRecord is the byte after every log entry (Util.writeTxnBytes writes 'B'); an entry
// without it was cut short while being written.
const endOfRecord = 0x42

// txnDigestBytes is the encoded size of a jute.TxnDigest (int version, long digest).
const txnDigestBytes = 12

// LogEntry is one txn read from a log.
type LogEntry struct {
	// Offset of the entry's checksum in the file.
	Offset int64
	Header jute.TxnHeader
	// Txn is the decoded record for Header.Type (see jute.NewTxn). It is nil for a
	// closeSession logged before ZooKeeper 3.6 put paths in it, which datatree.Apply accepts.
	Txn jute.Record
	// Digest is the tree digest after this txn, when ZooKeeper (3.6+) logged one.
	Digest *jute.TxnDigest
}

// LogEndReason says why a log's iteration stopped.
type LogEndReason int

const (
	// LogNotEnded: Next has not returned io.EOF yet.
	LogNotEnded LogEndReason = iota
	// LogEndEOF: the file ended exactly after an entry.
	LogEndEOF
	// LogEndPadding: a zero length was found where an entry would start. ZooKeeper
	// preallocates log files with zeros (FilePadding) and treats the first zero length as the
	// end (Util.readTxnBytes).
	LogEndPadding
	// LogEndTorn: the last entry is incomplete (the file ends inside it, or its end-of-record
	// byte is missing): a write cut short by a crash. ZooKeeper stops there too; the entry was
	// never acknowledged, since ZooKeeper replies only after the write and fsync completed.
	LogEndTorn
)

func (r LogEndReason) String() string {
	switch r {
	case LogNotEnded:
		return "not ended"
	case LogEndEOF:
		return "end of file"
	case LogEndPadding:
		return "preallocated padding"
	case LogEndTorn:
		return "torn entry"
	}
	return fmt.Sprintf("LogEndReason(%d)", int(r))
}

// LogEnd describes where and why iteration stopped.
type LogEnd struct {
	Reason LogEndReason
	// Offset of the entry (or padding) where iteration stopped.
	Offset int64
	// Detail explains a torn entry.
	Detail string
}

// LogReader iterates the entries of one log file; create it with ReadLog.
type LogReader struct {
	a      *archive
	header FileHeader
	end    LogEnd
	err    error
}

// ReadLog reads and checks a log file's header and returns a reader positioned at its first
// entry. Errors wrap ErrBadMagic, ErrBadVersion or ErrTruncated.
func ReadLog(r io.Reader) (*LogReader, error) {
	return readLog(r, DefaultMaxRecordBytes)
}

func readLog(r io.Reader, maxRecordBytes int) (*LogReader, error) {
	a := newArchive(r, maxRecordBytes)
	h := readHeader(a, LogMagic, "log")
	if a.err != nil {
		return nil, a.err
	}
	return &LogReader{a: a, header: h}, nil
}

// Header is the file's header.
func (l *LogReader) Header() FileHeader { return l.header }

// End tells why iteration stopped, once Next has returned io.EOF.
func (l *LogReader) End() LogEnd { return l.end }

// Next returns the next entry, or io.EOF when the log ends (End says how), or an error that
// wraps ErrChecksum or ErrCorrupt and names the entry's offset. After an error or io.EOF it
// keeps returning the same.
func (l *LogReader) Next() (LogEntry, error) {
	if l.err != nil {
		return LogEntry{}, l.err
	}
	e, err := l.next()
	if err != nil {
		l.err = err
	}
	return e, err
}

func (l *LogReader) next() (LogEntry, error) {
	a := l.a
	start := a.off
	if a.atEOF() {
		l.end = LogEnd{Reason: LogEndEOF, Offset: start}
		return LogEntry{}, io.EOF
	}
	crc := a.readLong("entry checksum")
	length := a.readInt("entry length")
	if a.err == nil && length == 0 {
		l.end = LogEnd{Reason: LogEndPadding, Offset: start}
		return LogEntry{}, io.EOF
	}
	if a.err == nil && (length < 0 || int64(length) > int64(a.maxBytes)) {
		return LogEntry{}, fmt.Errorf("%w: log entry at offset %d has length %d", ErrCorrupt, start, length)
	}
	body := a.read(int(length), "entry")
	eor := a.readByte("end-of-record byte")
	if a.err != nil {
		if a.eof {
			l.end = LogEnd{Reason: LogEndTorn, Offset: start, Detail: a.err.Error()}
			return LogEntry{}, io.EOF
		}
		return LogEntry{}, a.err
	}
	if eor != endOfRecord {
		l.end = LogEnd{Reason: LogEndTorn, Offset: start,
			Detail: fmt.Sprintf("end-of-record byte at offset %d is %#02x, not %#02x", a.off-1, eor, endOfRecord)}
		return LogEntry{}, io.EOF
	}
	if got := int64(adler32.Checksum(body)); got != crc {
		return LogEntry{}, fmt.Errorf("%w: log entry at offset %d: stored %#x, computed %#x", ErrChecksum, start, crc, got)
	}
	e, err := DecodeLogEntry(body)
	if err != nil {
		return LogEntry{}, fmt.Errorf("log entry at offset %d: %w", start, err)
	}
	e.Offset = start
	return e, nil
}

// DecodeLogEntry decodes the bytes one log entry's checksum covers: TxnHeader, the txn record
// and an optional TxnDigest, following SerializeUtils.deserializeTxn. Like ZooKeeper it reads
// a create too short for parentCVersion as CreateTxnV0 (ParentCVersion -1, which Apply fixes
// up), a closeSession with no body as a nil Txn, and ignores a digest cut short.
func DecodeLogEntry(b []byte) (LogEntry, error) {
	var e LogEntry
	d := jute.NewDecoder(b)
	e.Header.Decode(d)
	if d.Err() != nil {
		return e, fmt.Errorf("%w: txn header: %v", ErrCorrupt, d.Err())
	}
	op := protocol.OpCode(e.Header.Type)
	body := b[d.Off:]
	rec, ok := jute.NewTxn(op)
	if !ok || op == protocol.OpCheck {
		// check appears only inside a multi (SerializeUtils.deserializeTxn has no case for it).
		return e, fmt.Errorf("%w: txn type %d (%v) at zxid %#x", ErrCorrupt, e.Header.Type, op, e.Header.Zxid)
	}
	bd := jute.NewDecoder(body)
	rec.Decode(bd)
	used := bd.Off
	if err := bd.Err(); err != nil {
		if !errors.Is(err, jute.ErrShortBuffer) {
			return e, fmt.Errorf("%w: %v txn at zxid %#x: %v", ErrCorrupt, op, e.Header.Zxid, err)
		}
		switch op {
		case protocol.OpCreate:
			v0, n, err := decodeCreateV0(body)
			if err != nil {
				return e, fmt.Errorf("%w: %v txn at zxid %#x: %v", ErrCorrupt, op, e.Header.Zxid, err)
			}
			rec, used = v0, n
		case protocol.OpCloseSession:
			rec, used = nil, len(body)
		default:
			return e, fmt.Errorf("%w: %v txn at zxid %#x: %v", ErrCorrupt, op, e.Header.Zxid, err)
		}
	}
	e.Txn = rec
	if rest := body[used:]; len(rest) >= txnDigestBytes {
		e.Digest = &jute.TxnDigest{}
		if err := jute.Unmarshal(rest[:txnDigestBytes], e.Digest); err != nil {
			return e, fmt.Errorf("%w: txn digest at zxid %#x: %v", ErrCorrupt, e.Header.Zxid, err)
		}
	}
	return e, nil
}

// decodeCreateV0 reads zookeeper.jute's CreateTxnV0 (no parentCVersion) and returns it as a
// CreateTxn with ParentCVersion -1, and the bytes it used.
func decodeCreateV0(body []byte) (*jute.CreateTxn, int, error) {
	d := jute.NewDecoder(body)
	tx := &jute.CreateTxn{ParentCVersion: -1}
	tx.Path = d.ReadString()
	tx.Data = d.ReadBuffer()
	tx.ACL = d.ReadACLs()
	tx.Ephemeral = d.ReadBool()
	return tx, d.Off, d.Err()
}
