package prep

import (
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Config holds the settings preparation depends on.
type Config struct {
	// ExtendedTypesEnabled is zoo.cfg extendedTypesEnabled: TTL nodes are allowed. New copies
	// it into the tree, since both must classify owners alike.
	ExtendedTypesEnabled bool
	// MaxDataBytes, when positive, refuses create and setData data longer than this with
	// BadArguments, where ZooKeeper checks quotas. ZooKeeper itself has no such check: data is
	// bounded only by the packet limit (jute.maxbuffer), enforced when the packet is read. Leave
	// it 0 to match ZooKeeper.
	MaxDataBytes int
	// X509Enabled: authProvider.N names X509AuthenticationProvider, so x509 ACL entries are
	// valid (acl.Providers).
	X509Enabled bool
	// SASLEnabled: authProvider.N names SASLAuthenticationProvider, so sasl ACL entries are
	// valid.
	SASLEnabled bool
	// ReconfigEnabled is zoo.cfg reconfigEnabled; Ensemble the quorum's view for a reconfig
	// (reconfig.go), nil in standalone mode.
	ReconfigEnabled bool
	Ensemble        Ensemble
}

// Request is a decoded write request of one session.
type Request struct {
	SessionID int64
	Cxid      int32
	Op        protocol.OpCode
	// Body is the decoded request record: *jute.CreateRequest (create, create2,
	// createContainer), *jute.CreateTTLRequest, *jute.DeleteRequest, *jute.DeleteTxn or
	// *jute.DeleteRequest for deleteContainer (ZooKeeper's DeleteContainerRequest holds just the
	// path, like DeleteTxn), *jute.SetDataRequest, *jute.SetACLRequest,
	// *jute.CheckVersionRequest, *jute.MultiRequest, *jute.ReconfigRequest,
	// *jute.CreateSessionTxn for createSession, nil for closeSession.
	Body jute.Record
	// IDs are the session's authenticated ids (acl package), the ip id included.
	IDs []jute.Id
}

// Preparer prepares write requests over a tree plus the changes of txns prepared but not yet
// applied. It is not goroutine-safe.
type Preparer struct {
	tree   *datatree.Tree
	cfg    Config
	queue  []*change          // outstandingChanges, in zxid order
	byPath map[string]*change // outstandingChangesForPath: the latest change of each path

	multiSaved map[string]*change // while preparing a multi: what its changes hide
}

// New returns a Preparer over tree and sets the tree's extended-types flag from cfg.
func New(tree *datatree.Tree, cfg Config) *Preparer {
	tree.SetExtendedTypesEnabled(cfg.ExtendedTypesEnabled)
	return &Preparer{tree: tree, cfg: cfg, byPath: make(map[string]*change)}
}

// Prepare validates req as of the tree plus every outstanding change and returns the txn to
// propose under zxid, stamped with nowMillis. On success the txn header's type is req.Op and
// the record is the op's txn (CreateTxn, DeleteTxn, ...), and the change is recorded as
// outstanding. On failure the header's type is protocol.OpError and the record an ErrorTxn
// carrying the code, and nothing is recorded; the txn still takes the zxid (ZooKeeper calls
// getNextZxid before validating). A multi is always one txn of type multi: a MultiTxn whose
// ops are all ErrorTxns (Ok before the failing op, its code, RuntimeInconsistency after) when
// one fails.
//
// A Body of the wrong type gives an ErrorTxn with MarshallingError. ZooKeeper, on a request it
// cannot decode, uses the current zxid instead of a new one (except for multi); a caller that
// wants to match that passes the last zxid for such requests.
func (p *Preparer) Prepare(req Request, zxid int64, nowMillis int64) (jute.TxnHeader, jute.Record) {
	hdr := jute.TxnHeader{ClientID: req.SessionID, Cxid: req.Cxid, Zxid: zxid, Time: nowMillis, Type: int32(req.Op)}
	var txn jute.Record
	code := protocol.ErrOk
	if req.Op == protocol.OpMulti {
		txn, code = p.prepareMulti(req, hdr)
	} else {
		txn, code = p.prepareOp(req.Op, req.Body, req, hdr)
	}
	if code != protocol.ErrOk {
		hdr.Type = int32(protocol.OpError)
		return hdr, &jute.ErrorTxn{Err: int32(code)}
	}
	return hdr, txn
}

// prepareOp is pRequest2Txn for one op. It records changes only when it succeeds.
func (p *Preparer) prepareOp(op protocol.OpCode, body jute.Record, req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	switch op {
	case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer:
		r, ok := body.(*jute.CreateRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.create(op, createArgs{r.Path, r.Data, r.ACL, r.Flags, -1}, req, hdr)
	case protocol.OpCreateTTL:
		r, ok := body.(*jute.CreateTTLRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.create(op, createArgs{r.Path, r.Data, r.ACL, r.Flags, r.TTL}, req, hdr)
	case protocol.OpDelete:
		r, ok := body.(*jute.DeleteRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.delete(r.Path, r.Version, req, hdr)
	case protocol.OpDeleteContainer:
		switch r := body.(type) {
		case *jute.DeleteTxn:
			return p.deleteContainer(r.Path, hdr)
		case *jute.DeleteRequest:
			return p.deleteContainer(r.Path, hdr)
		}
		return nil, protocol.ErrMarshallingError
	case protocol.OpSetData:
		r, ok := body.(*jute.SetDataRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.setData(r, req, hdr)
	case protocol.OpSetACL:
		r, ok := body.(*jute.SetACLRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.setACL(r, req, hdr)
	case protocol.OpCheck:
		r, ok := body.(*jute.CheckVersionRequest)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return p.check(r, req)
	case protocol.OpReconfig:
		// reconfigEnabled=false (ZooKeeper's default) refuses before anything else is
		// looked at (reconfig.go).
		return p.reconfig(body, req, hdr)
	case protocol.OpCreateSession:
		r, ok := body.(*jute.CreateSessionTxn)
		if !ok {
			return nil, protocol.ErrMarshallingError
		}
		return &jute.CreateSessionTxn{TimeOut: r.TimeOut}, protocol.ErrOk
	case protocol.OpCloseSession:
		return p.closeSession(req, hdr), protocol.ErrOk
	}
	// Not a write: a caller bug. ZooKeeper would log "unknown type" and produce no txn.
	return nil, protocol.ErrUnimplemented
}

// prepareMulti prepares each op of a multi in order, each seeing the ones before it; the first
// failure undoes them and turns the rest into RuntimeInconsistency.
func (p *Preparer) prepareMulti(req Request, hdr jute.TxnHeader) (jute.Record, protocol.ErrCode) {
	m, ok := req.Body.(*jute.MultiRequest)
	if !ok {
		return nil, protocol.ErrMarshallingError
	}
	for _, op := range m.Ops {
		switch op.Type {
		case protocol.OpCreate, protocol.OpCreate2, protocol.OpCreateContainer, protocol.OpCreateTTL,
			protocol.OpDelete, protocol.OpSetData, protocol.OpCheck:
		default:
			// ZooKeeper fails such a multi with an exception, i.e. MarshallingError.
			return nil, protocol.ErrMarshallingError
		}
	}
	mark := p.beginMulti()
	defer p.endMulti()
	out := &jute.MultiTxn{Txns: make([]jute.Txn, 0, len(m.Ops))}
	failed := false
	for _, op := range m.Ops {
		var txn jute.Record
		typ := op.Type
		if failed {
			typ, txn = protocol.OpError, &jute.ErrorTxn{Err: int32(protocol.ErrRuntimeInconsistency)}
		} else {
			var code protocol.ErrCode
			txn, code = p.prepareOp(op.Type, op.Req, req, hdr)
			if code != protocol.ErrOk {
				failed = true
				typ, txn = protocol.OpError, &jute.ErrorTxn{Err: int32(code)}
				p.rollbackMulti(mark)
			}
		}
		out.Txns = append(out.Txns, jute.Txn{Type: int32(typ), Data: jute.Marshal(txn)})
	}
	return out, protocol.ErrOk
}
