package jute

// Records of module org.apache.zookeeper.data.

// Id names an identity under an auth scheme ("world"/"anyone", "digest"/"user:hash", "ip"/"10.0.0.0/8").
type Id struct {
	Scheme string
	ID     string
}

func (r *Id) Encode(e *Encoder) { e.WriteString(r.Scheme); e.WriteString(r.ID) }
func (r *Id) Decode(d *Decoder) { r.Scheme = d.ReadString(); r.ID = d.ReadString() }

// ACL grants Perms to ID.
type ACL struct {
	Perms int32
	ID    Id
}

func (r *ACL) Encode(e *Encoder) { e.WriteInt(r.Perms); r.ID.Encode(e) }
func (r *ACL) Decode(d *Decoder) { r.Perms = d.ReadInt(); r.ID.Decode(d) }

// WriteACLs writes a vector<ACL>; nil is written as null.
func (e *Encoder) WriteACLs(v []ACL) {
	if v == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(v)))
	for i := range v {
		v[i].Encode(e)
	}
}

// ReadACLs reads a vector<ACL>; null reads as nil.
func (d *Decoder) ReadACLs() []ACL {
	n, null := d.ReadVectorLen(12) // perms + two empty strings
	if null || d.err != nil {
		return nil
	}
	v := make([]ACL, n)
	for i := 0; i < n && d.err == nil; i++ {
		v[i].Decode(d)
	}
	return v
}

// Stat is a znode's metadata as clients see it.
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	DataLength     int32
	NumChildren    int32
	Pzxid          int64
}

func (r *Stat) Encode(e *Encoder) {
	e.WriteLong(r.Czxid)
	e.WriteLong(r.Mzxid)
	e.WriteLong(r.Ctime)
	e.WriteLong(r.Mtime)
	e.WriteInt(r.Version)
	e.WriteInt(r.Cversion)
	e.WriteInt(r.Aversion)
	e.WriteLong(r.EphemeralOwner)
	e.WriteInt(r.DataLength)
	e.WriteInt(r.NumChildren)
	e.WriteLong(r.Pzxid)
}

func (r *Stat) Decode(d *Decoder) {
	r.Czxid = d.ReadLong()
	r.Mzxid = d.ReadLong()
	r.Ctime = d.ReadLong()
	r.Mtime = d.ReadLong()
	r.Version = d.ReadInt()
	r.Cversion = d.ReadInt()
	r.Aversion = d.ReadInt()
	r.EphemeralOwner = d.ReadLong()
	r.DataLength = d.ReadInt()
	r.NumChildren = d.ReadInt()
	r.Pzxid = d.ReadLong()
}

// StatPersisted is the Stat as a snapshot stores it (no dataLength/numChildren).
type StatPersisted struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
}

func (r *StatPersisted) Encode(e *Encoder) {
	e.WriteLong(r.Czxid)
	e.WriteLong(r.Mzxid)
	e.WriteLong(r.Ctime)
	e.WriteLong(r.Mtime)
	e.WriteInt(r.Version)
	e.WriteInt(r.Cversion)
	e.WriteInt(r.Aversion)
	e.WriteLong(r.EphemeralOwner)
	e.WriteLong(r.Pzxid)
}

func (r *StatPersisted) Decode(d *Decoder) {
	r.Czxid = d.ReadLong()
	r.Mzxid = d.ReadLong()
	r.Ctime = d.ReadLong()
	r.Mtime = d.ReadLong()
	r.Version = d.ReadInt()
	r.Cversion = d.ReadInt()
	r.Aversion = d.ReadInt()
	r.EphemeralOwner = d.ReadLong()
	r.Pzxid = d.ReadLong()
}

// ClientInfo is one entry of a whoAmI response.
type ClientInfo struct {
	AuthScheme string
	User       string
}

func (r *ClientInfo) Encode(e *Encoder) { e.WriteString(r.AuthScheme); e.WriteString(r.User) }
func (r *ClientInfo) Decode(d *Decoder) { r.AuthScheme = d.ReadString(); r.User = d.ReadString() }
