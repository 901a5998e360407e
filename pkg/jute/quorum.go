package jute

// Records of modules org.apache.zookeeper.server.quorum and org.apache.zookeeper.server.persistence:
// what members exchange on the quorum port and the header of ZooKeeper's log and snapshot files.

// QuorumPacket is one message between leader and learner. Type is the quorum packet type
// (PROPOSAL 2, ACK 3, COMMIT 4, ...; see Leader.java); Data is the type's payload, and AuthInfo
// carries the requester's identities for forwarded REQUEST packets.
type QuorumPacket struct {
	Type     int32
	Zxid     int64
	Data     []byte
	AuthInfo []Id
}

func (r *QuorumPacket) Encode(e *Encoder) {
	e.WriteInt(r.Type)
	e.WriteLong(r.Zxid)
	e.WriteBuffer(r.Data)
	if r.AuthInfo == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(r.AuthInfo)))
	for i := range r.AuthInfo {
		r.AuthInfo[i].Encode(e)
	}
}

func (r *QuorumPacket) Decode(d *Decoder) {
	r.Type = d.ReadInt()
	r.Zxid = d.ReadLong()
	r.Data = d.ReadBuffer()
	r.AuthInfo = nil
	n, null := d.ReadVectorLen(8) // two empty strings
	if null || d.Err() != nil {
		return
	}
	r.AuthInfo = make([]Id, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		r.AuthInfo[i].Decode(d)
	}
}

// LearnerInfo is the payload of FOLLOWERINFO/OBSERVERINFO: who the learner is, which quorum
// protocol it speaks and the version of the configuration it has.
type LearnerInfo struct {
	ServerID        int64
	ProtocolVersion int32
	ConfigVersion   int64
}

func (r *LearnerInfo) Encode(e *Encoder) {
	e.WriteLong(r.ServerID)
	e.WriteInt(r.ProtocolVersion)
	e.WriteLong(r.ConfigVersion)
}

func (r *LearnerInfo) Decode(d *Decoder) {
	r.ServerID = d.ReadLong()
	r.ProtocolVersion = d.ReadInt()
	r.ConfigVersion = d.ReadLong()
}

// QuorumAuthPacket is one step of SASL authentication between quorum members.
type QuorumAuthPacket struct {
	Magic  int64
	Status int32
	Token  []byte
}

func (r *QuorumAuthPacket) Encode(e *Encoder) {
	e.WriteLong(r.Magic)
	e.WriteInt(r.Status)
	e.WriteBuffer(r.Token)
}

func (r *QuorumAuthPacket) Decode(d *Decoder) {
	r.Magic = d.ReadLong()
	r.Status = d.ReadInt()
	r.Token = d.ReadBuffer()
}

// FileHeader starts ZooKeeper's txn log ("ZKLG") and snapshot ("ZKSN") files; Version is 2 and
// Dbid is the database id (snapshots carry -1, see FileSnap).
type FileHeader struct {
	Magic   int32
	Version int32
	Dbid    int64
}

func (r *FileHeader) Encode(e *Encoder) {
	e.WriteInt(r.Magic)
	e.WriteInt(r.Version)
	e.WriteLong(r.Dbid)
}

func (r *FileHeader) Decode(d *Decoder) {
	r.Magic = d.ReadInt()
	r.Version = d.ReadInt()
	r.Dbid = d.ReadLong()
}
