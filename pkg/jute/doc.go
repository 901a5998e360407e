// Package jute encodes and decodes the records of ZooKeeper's jute schema (zookeeper.jute):
// the client protocol, the txn formats, the data records (Stat, ACL, Id) and the quorum packets.
//
// The codec is pure: Encoder appends to a byte slice, Decoder reads from one with a sticky
// error. Lengths read from the wire are checked against the bytes that remain before anything is
// allocated, so a hostile length can neither panic the decoder nor make it allocate more than the
// packet it was given. Callers bound packet size (jute.maxbuffer) before decoding.
//
// Formats: int and long are big-endian; bool is one byte; string and buffer are an int length
// then the bytes, length -1 meaning null; a vector is an int count then the items, -1 meaning null.
//
// Files: codec.go (Encoder, Decoder), data.go, txn.go, proto.go (client records, named after
// their jute classes), multi.go (MultiRequest/MultiResponse, hand-written in ZooKeeper too),
// quorum.go (quorum and file-header records), registry.go (op → record: NewRequest, NewTxn,
// DecodeTxn) and frame.go (the client port's length-prefixed frames).
//
// What callers must do: bound frames with ReadFrame's maxBytes; map ErrMultiOpType and
// ErrMultiMixedKinds to protocol.ErrMarshallingError as ZooKeeper does; decide themselves whether
// trailing bytes after a request matter (Unmarshal rejects them; ZooKeeper ignores them); and
// never hand Encode a multi op or result whose record does not match its type (that panics).
package jute
