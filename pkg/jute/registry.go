package jute

import (
	"errors"
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// ErrUnknownTxnType is returned by DecodeTxn for a txn type no ZooKeeper log contains
// (SerializeUtils.deserializeTxn: "Unsupported Txn with type").
var ErrUnknownTxnType = errors.New("jute: unknown txn type")

// ReconfigResponse is what a reconfig request returns: ZooKeeper has no record of its own for it
// and answers with the new configuration's text and the stat of /zookeeper/config
// (FinalRequestProcessor, case reconfig).
type ReconfigResponse = GetDataResponse

// NewRequest returns an empty request record for a client op, ready to Decode the bytes after
// the RequestHeader. ok is false for ops a client may not send (notification, createSession,
// deleteContainer, error and unknown values).
//
// Ops whose request has no body return (nil, true): ping, closeSession and whoAmI. The record
// for each op is the one ZooKeeper reads (FinalRequestProcessor, PrepRequestProcessor,
// ZooKeeperServer.processSasl); multi and multiRead share MultiRequest.
func NewRequest(op protocol.OpCode) (rec Record, ok bool) {
	switch op {
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer:
		return &CreateRequest{}, true
	case protocol.OpCreateTTL:
		return &CreateTTLRequest{}, true
	case protocol.OpDelete:
		return &DeleteRequest{}, true
	case protocol.OpExists:
		return &ExistsRequest{}, true
	case protocol.OpGetData:
		return &GetDataRequest{}, true
	case protocol.OpSetData:
		return &SetDataRequest{}, true
	case protocol.OpGetACL:
		return &GetACLRequest{}, true
	case protocol.OpSetACL:
		return &SetACLRequest{}, true
	case protocol.OpGetChildren:
		return &GetChildrenRequest{}, true
	case protocol.OpGetChildren2:
		return &GetChildren2Request{}, true
	case protocol.OpSync:
		return &SyncRequest{}, true
	case protocol.OpCheck:
		return &CheckVersionRequest{}, true
	case protocol.OpMulti, protocol.OpMultiRead:
		return &MultiRequest{}, true
	case protocol.OpReconfig:
		return &ReconfigRequest{}, true
	case protocol.OpCheckWatches:
		return &CheckWatchesRequest{}, true
	case protocol.OpRemoveWatches:
		return &RemoveWatchesRequest{}, true
	case protocol.OpAuth:
		return &AuthPacket{}, true
	case protocol.OpSetWatches:
		return &SetWatches{}, true
	case protocol.OpSetWatches2:
		return &SetWatches2{}, true
	case protocol.OpSASL:
		// The server reads a GetSASLRequest (a single token buffer) for op sasl.
		return &GetSASLRequest{}, true
	case protocol.OpGetEphemerals:
		return &GetEphemeralsRequest{}, true
	case protocol.OpGetAllChildrenNumber:
		return &GetAllChildrenNumberRequest{}, true
	case protocol.OpAddWatch:
		return &AddWatchRequest{}, true
	case protocol.OpPing, protocol.OpCloseSession, protocol.OpWhoAmI:
		return nil, true
	}
	return nil, false
}

// NewTxn returns an empty txn record for a TxnHeader type (SerializeUtils.deserializeTxn plus
// check, which appears only inside a MultiTxn). reconfig is logged as a SetDataTxn of
// /zookeeper/config; deleteContainer as a DeleteTxn.
func NewTxn(t protocol.OpCode) (rec Record, ok bool) {
	switch t {
	case protocol.OpCreate, protocol.OpCreate2:
		return &CreateTxn{}, true
	case protocol.OpCreateContainer:
		return &CreateContainerTxn{}, true
	case protocol.OpCreateTTL:
		return &CreateTTLTxn{}, true
	case protocol.OpDelete, protocol.OpDeleteContainer:
		return &DeleteTxn{}, true
	case protocol.OpSetData, protocol.OpReconfig:
		return &SetDataTxn{}, true
	case protocol.OpSetACL:
		return &SetACLTxn{}, true
	case protocol.OpCheck:
		return &CheckVersionTxn{}, true
	case protocol.OpMulti:
		return &MultiTxn{}, true
	case protocol.OpCreateSession:
		return &CreateSessionTxn{}, true
	case protocol.OpCloseSession:
		return &CloseSessionTxn{}, true
	case protocol.OpError:
		return &ErrorTxn{}, true
	}
	return nil, false
}

// DecodeTxn decodes the txn record that follows hdr; body must hold exactly that record.
//
// Like SerializeUtils.deserializeTxn it accepts two older forms: a closeSession with an empty
// body (before ZOOKEEPER-3145 added CloseSessionTxn) decodes as a CloseSessionTxn with no paths,
// and a create without parentCVersion (CreateTxnV0) decodes with ParentCVersion -1, which
// tells the applier to fix the parent's cversion up.
func DecodeTxn(hdr TxnHeader, body []byte) (Record, error) {
	t := protocol.OpCode(hdr.Type)
	rec, ok := NewTxn(t)
	if !ok {
		return nil, fmt.Errorf("%w: %d (%v) at zxid 0x%x", ErrUnknownTxnType, hdr.Type, t, hdr.Zxid)
	}
	if t == protocol.OpCloseSession && len(body) == 0 {
		return rec, nil
	}
	err := Unmarshal(body, rec)
	if err != nil && t == protocol.OpCreate && errors.Is(err, ErrShortBuffer) {
		v0 := &createTxnV0{}
		if Unmarshal(body, v0) == nil {
			return &CreateTxn{Path: v0.Path, Data: v0.Data, ACL: v0.ACL, Ephemeral: v0.Ephemeral, ParentCVersion: -1}, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("decoding %v txn at zxid 0x%x: %w", t, hdr.Zxid, err)
	}
	return rec, nil
}

// createTxnV0 is CreateTxn before parentCVersion was added (zookeeper.jute CreateTxnV0).
type createTxnV0 struct {
	Path      string
	Data      []byte
	ACL       []ACL
	Ephemeral bool
}

func (r *createTxnV0) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteACLs(r.ACL)
	e.WriteBool(r.Ephemeral)
}

func (r *createTxnV0) Decode(d *Decoder) {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = d.ReadACLs()
	r.Ephemeral = d.ReadBool()
}
