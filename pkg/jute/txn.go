package jute

// Records of module org.apache.zookeeper.txn: what the leader proposes, the log stores and
// every member applies. They are ZooKeeper's own formats so that logs can be imported and, one
// day, a zkensemble member can take part in an Apache ZooKeeper ensemble.

// TxnHeader precedes every txn in the log and in proposals.
type TxnHeader struct {
	ClientID int64 // session id of the requester
	Cxid     int32 // the client's xid
	Zxid     int64
	Time     int64 // ms since epoch, assigned by the leader
	Type     int32 // protocol.OpCode of the txn
}

func (r *TxnHeader) Encode(e *Encoder) {
	e.WriteLong(r.ClientID)
	e.WriteInt(r.Cxid)
	e.WriteLong(r.Zxid)
	e.WriteLong(r.Time)
	e.WriteInt(r.Type)
}

func (r *TxnHeader) Decode(d *Decoder) {
	r.ClientID = d.ReadLong()
	r.Cxid = d.ReadInt()
	r.Zxid = d.ReadLong()
	r.Time = d.ReadLong()
	r.Type = d.ReadInt()
}

// TxnDigest is the optional tree digest after a txn (ZOOKEEPER-3114).
type TxnDigest struct {
	Version    int32
	TreeDigest int64
}

func (r *TxnDigest) Encode(e *Encoder) { e.WriteInt(r.Version); e.WriteLong(r.TreeDigest) }
func (r *TxnDigest) Decode(d *Decoder) { r.Version = d.ReadInt(); r.TreeDigest = d.ReadLong() }

// CreateTxn creates a persistent or ephemeral node (types create and create2). ParentCVersion is
// the parent's cversion after the create; the path is final (sequence suffix already applied).
type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	Ephemeral      bool
	ParentCVersion int32
}

func (r *CreateTxn) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteBool(r.Ephemeral)
	e.WriteInt(r.ParentCVersion)
}

func (r *CreateTxn) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.Ephemeral = d.ReadBool()
	r.ParentCVersion = d.ReadInt()
}

// CreateContainerTxn creates a container node.
type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
}

func (r *CreateContainerTxn) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.ParentCVersion)
}

func (r *CreateContainerTxn) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.ParentCVersion = d.ReadInt()
}

// CreateTTLTxn creates a TTL node; TTL is in milliseconds.
type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
	TTL            int64
}

func (r *CreateTTLTxn) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.ParentCVersion)
	e.WriteLong(r.TTL)
}

func (r *CreateTTLTxn) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.ParentCVersion = d.ReadInt()
	r.TTL = d.ReadLong()
}

// DeleteTxn deletes a node (types delete and deleteContainer).
type DeleteTxn struct{ Path string }

func (r *DeleteTxn) Encode(e *Encoder) { e.WriteString(r.Path) }
func (r *DeleteTxn) Decode(d *Decoder) { r.Path = d.ReadString() }

// SetDataTxn sets data; Version is the node's version after the change.
type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32
}

func (r *SetDataTxn) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteInt(r.Version)
}
func (r *SetDataTxn) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.Version = d.ReadInt()
}

// CheckVersionTxn is a multi's check op; applying it changes nothing.
type CheckVersionTxn struct {
	Path    string
	Version int32
}

func (r *CheckVersionTxn) Encode(e *Encoder) { e.WriteString(r.Path); e.WriteInt(r.Version) }
func (r *CheckVersionTxn) Decode(d *Decoder) { r.Path = d.ReadString(); r.Version = d.ReadInt() }

// SetACLTxn sets a node's ACL; Version is the node's aversion after the change.
type SetACLTxn struct {
	Path    string
	ACL     []ACL
	Version int32
}

func (r *SetACLTxn) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.Version)
}
func (r *SetACLTxn) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.ACL = d.ReadACLs()
	r.Version = d.ReadInt()
}

// CreateSessionTxn creates a global session with the negotiated timeout (ms).
type CreateSessionTxn struct{ TimeOut int32 }

func (r *CreateSessionTxn) Encode(e *Encoder) { e.WriteInt(r.TimeOut) }
func (r *CreateSessionTxn) Decode(d *Decoder) { r.TimeOut = d.ReadInt() }

// CloseSessionTxn closes a session; Paths2Delete lists its ephemerals as the leader saw them.
// Older logs have an empty body: decode tolerates that (see DecodeTxn).
type CloseSessionTxn struct{ Paths2Delete []string }

func (r *CloseSessionTxn) Encode(e *Encoder) { e.WriteStrings(r.Paths2Delete) }
func (r *CloseSessionTxn) Decode(d *Decoder) { r.Paths2Delete = d.ReadStrings() }

// ErrorTxn records a failed write (in a multi, and standalone for ops that failed in prep).
type ErrorTxn struct{ Err int32 }

func (r *ErrorTxn) Encode(e *Encoder) { e.WriteInt(r.Err) }
func (r *ErrorTxn) Decode(d *Decoder) { r.Err = d.ReadInt() }

// Txn is one op of a MultiTxn: its type and its encoded txn record.
type Txn struct {
	Type int32
	Data []byte
}

func (r *Txn) Encode(e *Encoder) { e.WriteInt(r.Type); e.WriteBuffer(r.Data) }
func (r *Txn) Decode(d *Decoder) { r.Type = d.ReadInt(); r.Data = d.ReadBuffer() }

// MultiTxn is an all-or-nothing group of txns.
type MultiTxn struct{ Txns []Txn }

func (r *MultiTxn) Encode(e *Encoder) {
	e.WriteInt(int32(len(r.Txns)))
	for i := range r.Txns {
		r.Txns[i].Encode(e)
	}
}

func (r *MultiTxn) Decode(d *Decoder) {
	n, null := d.ReadVectorLen(8)
	if null || d.Err() != nil {
		r.Txns = nil
		return
	}
	r.Txns = make([]Txn, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		r.Txns[i].Decode(d)
	}
}
