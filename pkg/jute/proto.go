package jute

// Records of module org.apache.zookeeper.proto (zookeeper.jute): the client protocol.
// Field order is wire order. Type-like int fields stay int32 so that a record decodes whatever a
// peer sends; callers convert to the protocol enums.

// RequestHeader precedes every client request; Type is a protocol.OpCode.
type RequestHeader struct {
	Xid  int32
	Type int32
}

func (r *RequestHeader) Encode(e *Encoder) {
	e.WriteInt(r.Xid)
	e.WriteInt(r.Type)
}

func (r *RequestHeader) Decode(d *Decoder) {
	r.Xid = d.ReadInt()
	r.Type = d.ReadInt()
}

// ReplyHeader precedes every reply and notification; Err is a protocol.ErrCode.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  int32
}

func (r *ReplyHeader) Encode(e *Encoder) {
	e.WriteInt(r.Xid)
	e.WriteLong(r.Zxid)
	e.WriteInt(r.Err)
}

func (r *ReplyHeader) Decode(d *Decoder) {
	r.Xid = d.ReadInt()
	r.Zxid = d.ReadLong()
	r.Err = d.ReadInt()
}

// MultiHeader precedes each op or result of a multi; see multi.go.
type MultiHeader struct {
	Type int32
	Done bool
	Err  int32
}

func (r *MultiHeader) Encode(e *Encoder) {
	e.WriteInt(r.Type)
	e.WriteBool(r.Done)
	e.WriteInt(r.Err)
}

func (r *MultiHeader) Decode(d *Decoder) {
	r.Type = d.ReadInt()
	r.Done = d.ReadBool()
	r.Err = d.ReadInt()
}

// AuthPacket is an auth request (xid -4): addauth scheme and credentials.
type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

func (r *AuthPacket) Encode(e *Encoder) {
	e.WriteInt(r.Type)
	e.WriteString(r.Scheme)
	e.WriteBuffer(r.Auth)
}

func (r *AuthPacket) Decode(d *Decoder) {
	r.Type = d.ReadInt()
	r.Scheme = d.ReadString()
	r.Auth = d.ReadBuffer()
}

// SetWatches re-registers a reconnecting client's watches (xid -8); the server fires events newer than RelativeZxid.
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

func (r *SetWatches) Encode(e *Encoder) {
	e.WriteLong(r.RelativeZxid)
	e.WriteStrings(r.DataWatches)
	e.WriteStrings(r.ExistWatches)
	e.WriteStrings(r.ChildWatches)
}

func (r *SetWatches) Decode(d *Decoder) {
	r.RelativeZxid = d.ReadLong()
	r.DataWatches = d.ReadStrings()
	r.ExistWatches = d.ReadStrings()
	r.ChildWatches = d.ReadStrings()
}

// SetWatches2 is SetWatches plus persistent watches (3.6+).
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

func (r *SetWatches2) Encode(e *Encoder) {
	e.WriteLong(r.RelativeZxid)
	e.WriteStrings(r.DataWatches)
	e.WriteStrings(r.ExistWatches)
	e.WriteStrings(r.ChildWatches)
	e.WriteStrings(r.PersistentWatches)
	e.WriteStrings(r.PersistentRecursiveWatches)
}

func (r *SetWatches2) Decode(d *Decoder) {
	r.RelativeZxid = d.ReadLong()
	r.DataWatches = d.ReadStrings()
	r.ExistWatches = d.ReadStrings()
	r.ChildWatches = d.ReadStrings()
	r.PersistentWatches = d.ReadStrings()
	r.PersistentRecursiveWatches = d.ReadStrings()
}

// GetDataRequest reads a node's data and stat, optionally leaving a data watch.
type GetDataRequest struct {
	Path  string
	Watch bool
}

func (r *GetDataRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

func (r *GetDataRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
}

// SetDataRequest replaces a node's data if Version matches (-1 matches any).
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

func (r *SetDataRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteInt(r.Version)
}

func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.Version = d.ReadInt()
}

// ReconfigRequest changes the ensemble membership; CurConfigID -1 is unconditional.
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64
}

func (r *ReconfigRequest) Encode(e *Encoder) {
	e.WriteString(r.JoiningServers)
	e.WriteString(r.LeavingServers)
	e.WriteString(r.NewMembers)
	e.WriteLong(r.CurConfigID)
}

func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.ReadString()
	r.LeavingServers = d.ReadString()
	r.NewMembers = d.ReadString()
	r.CurConfigID = d.ReadLong()
}

// SetDataResponse returns the node's stat after setData.
type SetDataResponse struct {
	Stat Stat
}

func (r *SetDataResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

func (r *SetDataResponse) Decode(d *Decoder) {
	r.Stat.Decode(d)
}

// GetSASLRequest carries a SASL token.
type GetSASLRequest struct {
	Token []byte
}

func (r *GetSASLRequest) Encode(e *Encoder) {
	e.WriteBuffer(r.Token)
}

func (r *GetSASLRequest) Decode(d *Decoder) {
	r.Token = d.ReadBuffer()
}

// SetSASLRequest carries a SASL token from the client (op sasl).
type SetSASLRequest struct {
	Token []byte
}

func (r *SetSASLRequest) Encode(e *Encoder) {
	e.WriteBuffer(r.Token)
}

func (r *SetSASLRequest) Decode(d *Decoder) {
	r.Token = d.ReadBuffer()
}

// SetSASLResponse carries the server's SASL challenge.
type SetSASLResponse struct {
	Token []byte
}

func (r *SetSASLResponse) Encode(e *Encoder) {
	e.WriteBuffer(r.Token)
}

func (r *SetSASLResponse) Decode(d *Decoder) {
	r.Token = d.ReadBuffer()
}

// CreateRequest creates a node (ops create, create2, createContainer); Flags is a protocol.CreateMode.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
}

func (r *CreateRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.Flags)
}

func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.Flags = d.ReadInt()
}

// CreateTTLRequest creates a TTL node (op createTTL); TTL is in milliseconds.
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
	TTL   int64
}

func (r *CreateTTLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.Flags)
	e.WriteLong(r.TTL)
}

func (r *CreateTTLRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.Flags = d.ReadInt()
	r.TTL = d.ReadLong()
}

// DeleteRequest deletes a node if Version matches (-1 matches any).
type DeleteRequest struct {
	Path    string
	Version int32
}

func (r *DeleteRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Version)
}

func (r *DeleteRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Version = d.ReadInt()
}

// GetChildrenRequest lists a node's children, optionally leaving a child watch.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

func (r *GetChildrenRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

func (r *GetChildrenRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
}

// GetAllChildrenNumberRequest counts all descendants of a node (3.6+).
type GetAllChildrenNumberRequest struct {
	Path string
}

func (r *GetAllChildrenNumberRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// GetStatPersistedRequest is declared by the schema; no client op sends it.
type GetStatPersistedRequest struct {
	Path string
}

func (r *GetStatPersistedRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *GetStatPersistedRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// GetChildren2Request lists a node's children and returns its stat.
type GetChildren2Request struct {
	Path  string
	Watch bool
}

func (r *GetChildren2Request) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

func (r *GetChildren2Request) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
}

// CheckVersionRequest asserts a node's version (op check, mostly inside multi).
type CheckVersionRequest struct {
	Path    string
	Version int32
}

func (r *CheckVersionRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Version)
}

func (r *CheckVersionRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Version = d.ReadInt()
}

// GetMaxChildrenRequest is a legacy record kept for schema completeness.
type GetMaxChildrenRequest struct {
	Path string
}

func (r *GetMaxChildrenRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *GetMaxChildrenRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// GetMaxChildrenResponse is a legacy record kept for schema completeness.
type GetMaxChildrenResponse struct {
	Max int32
}

func (r *GetMaxChildrenResponse) Encode(e *Encoder) {
	e.WriteInt(r.Max)
}

func (r *GetMaxChildrenResponse) Decode(d *Decoder) {
	r.Max = d.ReadInt()
}

// SetMaxChildrenRequest is a legacy record kept for schema completeness.
type SetMaxChildrenRequest struct {
	Path string
	Max  int32
}

func (r *SetMaxChildrenRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Max)
}

func (r *SetMaxChildrenRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Max = d.ReadInt()
}

// SyncRequest asks the server to catch up with the leader before answering.
type SyncRequest struct {
	Path string
}

func (r *SyncRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *SyncRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// SyncResponse echoes the synced path.
type SyncResponse struct {
	Path string
}

func (r *SyncResponse) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *SyncResponse) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// GetACLRequest reads a node's ACL.
type GetACLRequest struct {
	Path string
}

func (r *GetACLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *GetACLRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// SetACLRequest replaces a node's ACL if Version matches the aversion (-1 matches any).
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

func (r *SetACLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteACLs(r.ACL)
	e.WriteInt(r.Version)
}

func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.ACL = d.ReadACLs()
	r.Version = d.ReadInt()
}

// SetACLResponse returns the node's stat after setACL.
type SetACLResponse struct {
	Stat Stat
}

func (r *SetACLResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

func (r *SetACLResponse) Decode(d *Decoder) {
	r.Stat.Decode(d)
}

// AddWatchRequest adds a persistent watch; Mode is a protocol.AddWatchMode.
type AddWatchRequest struct {
	Path string
	Mode int32
}

func (r *AddWatchRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Mode)
}

func (r *AddWatchRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Mode = d.ReadInt()
}

// WatcherEvent is a notification (reply xid -1); Type is a protocol.EventType, State a protocol.KeeperState.
type WatcherEvent struct {
	Type  int32
	State int32
	Path  string
}

func (r *WatcherEvent) Encode(e *Encoder) {
	e.WriteInt(r.Type)
	e.WriteInt(r.State)
	e.WriteString(r.Path)
}

func (r *WatcherEvent) Decode(d *Decoder) {
	r.Type = d.ReadInt()
	r.State = d.ReadInt()
	r.Path = d.ReadString()
}

// ErrorResponse is the result of a failed op inside a multi.
type ErrorResponse struct {
	Err int32
}

func (r *ErrorResponse) Encode(e *Encoder) {
	e.WriteInt(r.Err)
}

func (r *ErrorResponse) Decode(d *Decoder) {
	r.Err = d.ReadInt()
}

// CreateResponse returns the created path (sequence suffix applied).
type CreateResponse struct {
	Path string
}

func (r *CreateResponse) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

func (r *CreateResponse) Decode(d *Decoder) {
	r.Path = d.ReadString()
}

// Create2Response returns the created path and the new node's stat.
type Create2Response struct {
	Path string
	Stat Stat
}

func (r *Create2Response) Encode(e *Encoder) {
	e.WriteString(r.Path)
	r.Stat.Encode(e)
}

func (r *Create2Response) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Stat.Decode(d)
}

// ExistsRequest reads a node's stat, optionally leaving an exist/data watch.
type ExistsRequest struct {
	Path  string
	Watch bool
}

func (r *ExistsRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

func (r *ExistsRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
}

// ExistsResponse returns the node's stat.
type ExistsResponse struct {
	Stat Stat
}

func (r *ExistsResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

func (r *ExistsResponse) Decode(d *Decoder) {
	r.Stat.Decode(d)
}

// GetDataResponse returns a node's data and stat.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

func (r *GetDataResponse) Encode(e *Encoder) {
	e.WriteBuffer(r.Data)
	r.Stat.Encode(e)
}

func (r *GetDataResponse) Decode(d *Decoder) {
	r.Data = d.ReadBuffer()
	r.Stat.Decode(d)
}

// GetChildrenResponse returns child names (not paths).
type GetChildrenResponse struct {
	Children []string
}

func (r *GetChildrenResponse) Encode(e *Encoder) {
	e.WriteStrings(r.Children)
}

func (r *GetChildrenResponse) Decode(d *Decoder) {
	r.Children = d.ReadStrings()
}

// GetAllChildrenNumberResponse returns the number of descendants.
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

func (r *GetAllChildrenNumberResponse) Encode(e *Encoder) {
	e.WriteInt(r.TotalNumber)
}

func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) {
	r.TotalNumber = d.ReadInt()
}

// GetStatPersistedResponse is declared by the schema; no client op receives it.
type GetStatPersistedResponse struct {
	StatPersisted StatPersisted
}

func (r *GetStatPersistedResponse) Encode(e *Encoder) {
	r.StatPersisted.Encode(e)
}

func (r *GetStatPersistedResponse) Decode(d *Decoder) {
	r.StatPersisted.Decode(d)
}

// GetChildren2Response returns child names and the parent's stat.
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

func (r *GetChildren2Response) Encode(e *Encoder) {
	e.WriteStrings(r.Children)
	r.Stat.Encode(e)
}

func (r *GetChildren2Response) Decode(d *Decoder) {
	r.Children = d.ReadStrings()
	r.Stat.Decode(d)
}

// GetACLResponse returns a node's ACL and stat.
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

func (r *GetACLResponse) Encode(e *Encoder) {
	e.WriteACLs(r.ACL)
	r.Stat.Encode(e)
}

func (r *GetACLResponse) Decode(d *Decoder) {
	r.ACL = d.ReadACLs()
	r.Stat.Decode(d)
}

// CheckWatchesRequest asks whether watches of Type (a protocol.WatcherType) exist on Path.
type CheckWatchesRequest struct {
	Path string
	Type int32
}

func (r *CheckWatchesRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Type)
}

func (r *CheckWatchesRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Type = d.ReadInt()
}

// RemoveWatchesRequest removes watches of Type (a protocol.WatcherType) on Path.
type RemoveWatchesRequest struct {
	Path string
	Type int32
}

func (r *RemoveWatchesRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Type)
}

func (r *RemoveWatchesRequest) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Type = d.ReadInt()
}

// GetEphemeralsRequest lists the session's ephemeral nodes under PrefixPath (3.6+).
type GetEphemeralsRequest struct {
	PrefixPath string
}

func (r *GetEphemeralsRequest) Encode(e *Encoder) {
	e.WriteString(r.PrefixPath)
}

func (r *GetEphemeralsRequest) Decode(d *Decoder) {
	r.PrefixPath = d.ReadString()
}

// GetEphemeralsResponse returns the matching ephemeral node paths.
type GetEphemeralsResponse struct {
	Ephemerals []string
}

func (r *GetEphemeralsResponse) Encode(e *Encoder) {
	e.WriteStrings(r.Ephemerals)
}

func (r *GetEphemeralsResponse) Decode(d *Decoder) {
	r.Ephemerals = d.ReadStrings()
}

// WhoAmIResponse returns the identities the session authenticated as (3.7+).
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

func (r *WhoAmIResponse) Encode(e *Encoder) {
	e.WriteClientInfos(r.ClientInfo)
}

func (r *WhoAmIResponse) Decode(d *Decoder) {
	r.ClientInfo = d.ReadClientInfos()
}

// ConnectRequest opens or resumes a session: the first packet on a client connection.
//
// The trailing readOnly flag came with read-only mode (ZOOKEEPER-704, 3.4) and is optional on the
// wire even since it joined the schema (ZOOKEEPER-4492):
// go-zookeeper sends the 44-byte form without it, Java and kazoo send it. Decode sets HasReadOnly
// when the byte is present and Encode writes it only when HasReadOnly is set, so a server can
// answer in the form the client used (ZooKeeperServer.processConnectRequest reads it inside a
// try/catch for the same reason).
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32 // requested session timeout in milliseconds
	SessionID       int64 // 0 for a new session
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool // the readOnly byte was (or is to be) on the wire
}

func (r *ConnectRequest) Encode(e *Encoder) {
	e.WriteInt(r.ProtocolVersion)
	e.WriteLong(r.LastZxidSeen)
	e.WriteInt(r.TimeOut)
	e.WriteLong(r.SessionID)
	e.WriteBuffer(r.Passwd)
	if r.HasReadOnly {
		e.WriteBool(r.ReadOnly)
	}
}

func (r *ConnectRequest) Decode(d *Decoder) {
	r.ProtocolVersion = d.ReadInt()
	r.LastZxidSeen = d.ReadLong()
	r.TimeOut = d.ReadInt()
	r.SessionID = d.ReadLong()
	r.Passwd = d.ReadBuffer()
	r.ReadOnly, r.HasReadOnly = false, false
	if d.Err() == nil && d.Remaining() > 0 {
		r.ReadOnly = d.ReadBool()
		r.HasReadOnly = true
	}
}

// ConnectResponse answers a ConnectRequest. TimeOut 0 with SessionID 0 tells the client its
// session expired. ReadOnly is optional exactly as in ConnectRequest.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32 // negotiated session timeout in milliseconds
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool // the readOnly byte was (or is to be) on the wire
}

func (r *ConnectResponse) Encode(e *Encoder) {
	e.WriteInt(r.ProtocolVersion)
	e.WriteInt(r.TimeOut)
	e.WriteLong(r.SessionID)
	e.WriteBuffer(r.Passwd)
	if r.HasReadOnly {
		e.WriteBool(r.ReadOnly)
	}
}

func (r *ConnectResponse) Decode(d *Decoder) {
	r.ProtocolVersion = d.ReadInt()
	r.TimeOut = d.ReadInt()
	r.SessionID = d.ReadLong()
	r.Passwd = d.ReadBuffer()
	r.ReadOnly, r.HasReadOnly = false, false
	if d.Err() == nil && d.Remaining() > 0 {
		r.ReadOnly = d.ReadBool()
		r.HasReadOnly = true
	}
}

// WriteClientInfos writes a vector<ClientInfo>; nil is written as null.
func (e *Encoder) WriteClientInfos(v []ClientInfo) {
	if v == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(v)))
	for i := range v {
		v[i].Encode(e)
	}
}

// ReadClientInfos reads a vector<ClientInfo>; null reads as nil.
func (d *Decoder) ReadClientInfos() []ClientInfo {
	n, null := d.ReadVectorLen(8) // two empty strings
	if null || d.Err() != nil {
		return nil
	}
	v := make([]ClientInfo, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		v[i].Decode(d)
	}
	return v
}
