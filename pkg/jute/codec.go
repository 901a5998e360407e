package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors returned by Decoder. They are wrapped with the field being read.
var (
	ErrShortBuffer  = errors.New("jute: short buffer")
	ErrBadLength    = errors.New("jute: bad length")
	ErrTrailingData = errors.New("jute: trailing bytes after record")
)

// Record is a jute record: it writes itself to an Encoder and reads itself from a Decoder.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Encoder appends jute-encoded values to Buf.
type Encoder struct {
	Buf []byte
}

func (e *Encoder) WriteInt(v int32) { e.Buf = binary.BigEndian.AppendUint32(e.Buf, uint32(v)) }
func (e *Encoder) WriteLong(v int64) {
	e.Buf = binary.BigEndian.AppendUint64(e.Buf, uint64(v))
}
func (e *Encoder) WriteBool(v bool) {
	if v {
		e.Buf = append(e.Buf, 1)
	} else {
		e.Buf = append(e.Buf, 0)
	}
}

// WriteBuffer writes b; a nil slice is written as null (length -1), an empty non-nil one as 0.
func (e *Encoder) WriteBuffer(b []byte) {
	if b == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(b)))
	e.Buf = append(e.Buf, b...)
}

// WriteString writes s (never null; use WriteBuffer(nil) for a null ustring).
func (e *Encoder) WriteString(s string) {
	e.WriteInt(int32(len(s)))
	e.Buf = append(e.Buf, s...)
}

// WriteStrings writes a vector<ustring>; nil is written as null (-1).
func (e *Encoder) WriteStrings(v []string) {
	if v == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(v)))
	for _, s := range v {
		e.WriteString(s)
	}
}

// WriteRecord writes a nested record.
func (e *Encoder) WriteRecord(r Record) { r.Encode(e) }

// Decoder reads jute values from Buf starting at Off. The first error sticks: later reads return
// zero values, and Err reports it.
type Decoder struct {
	Buf []byte
	Off int
	err error
}

// NewDecoder returns a Decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{Buf: b} }

// Err returns the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.Buf) - d.Off }

// Fail records err (if no error is recorded yet); records use it for semantic checks.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || d.Remaining() < n {
		d.err = fmt.Errorf("%w: reading %s: need %d bytes at offset %d, have %d", ErrShortBuffer, what, n, d.Off, d.Remaining())
		return false
	}
	return true
}

func (d *Decoder) ReadInt() int32 {
	if !d.need(4, "int") {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.Buf[d.Off:]))
	d.Off += 4
	return v
}

func (d *Decoder) ReadLong() int64 {
	if !d.need(8, "long") {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.Buf[d.Off:]))
	d.Off += 8
	return v
}

func (d *Decoder) ReadBool() bool {
	if !d.need(1, "bool") {
		return false
	}
	v := d.Buf[d.Off] != 0
	d.Off++
	return v
}

// length reads a length prefix; -1 means null. Any other negative length, or one longer than
// what remains times minItemBytes, is an error.
func (d *Decoder) length(what string, minItemBytes int) (n int, null bool) {
	l := d.ReadInt()
	if d.err != nil {
		return 0, false
	}
	if l == -1 {
		return 0, true
	}
	if l < 0 {
		d.err = fmt.Errorf("%w: %s length %d at offset %d", ErrBadLength, what, l, d.Off-4)
		return 0, false
	}
	if int64(l)*int64(minItemBytes) > int64(d.Remaining()) {
		d.err = fmt.Errorf("%w: %s length %d at offset %d exceeds the %d bytes left", ErrBadLength, what, l, d.Off-4, d.Remaining())
		return 0, false
	}
	return int(l), false
}

// ReadBuffer reads a buffer; null is returned as nil. The result is a copy, safe to keep.
func (d *Decoder) ReadBuffer() []byte {
	n, null := d.length("buffer", 1)
	if null || d.err != nil {
		return nil
	}
	b := make([]byte, n)
	copy(b, d.Buf[d.Off:d.Off+n])
	d.Off += n
	return b
}

// ReadString reads a ustring; null reads as "".
func (d *Decoder) ReadString() string {
	n, null := d.length("string", 1)
	if null || d.err != nil {
		return ""
	}
	s := string(d.Buf[d.Off : d.Off+n])
	d.Off += n
	return s
}

// ReadVectorLen reads a vector's count, checked so that count*minItemBytes fits in what remains.
// null is reported separately from an empty vector.
func (d *Decoder) ReadVectorLen(minItemBytes int) (n int, null bool) {
	return d.length("vector", minItemBytes)
}

// ReadStrings reads a vector<ustring>; null reads as nil.
func (d *Decoder) ReadStrings() []string {
	n, null := d.ReadVectorLen(4)
	if null || d.err != nil {
		return nil
	}
	v := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		v = append(v, d.ReadString())
	}
	return v
}

// ReadRecord reads a nested record.
func (d *Decoder) ReadRecord(r Record) {
	if d.err == nil {
		r.Decode(d)
	}
}

// Marshal encodes r into a new slice.
func Marshal(r Record) []byte {
	e := Encoder{Buf: make([]byte, 0, 64)}
	r.Encode(&e)
	return e.Buf
}

// Unmarshal decodes exactly one record from b; trailing bytes are an error.
func Unmarshal(b []byte, r Record) error {
	d := NewDecoder(b)
	r.Decode(d)
	if d.err != nil {
		return d.err
	}
	if d.Remaining() != 0 {
		return fmt.Errorf("%w: %d bytes", ErrTrailingData, d.Remaining())
	}
	return nil
}
