package prep

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// A leader prepares many requests before the first is applied. Whatever the batching, every
// request must get the outcome it gets when each is applied before the next is prepared, and
// the trees must end equal. Seeds are fixed; a failure names the seed and the step.
func TestPipelinedPreparationMatchesSerial(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		reqs := randomRequests(rand.New(rand.NewSource(seed)), 150)
		serial := runPipeline(t, reqs, func(int) int { return 1 })
		rng := rand.New(rand.NewSource(seed * 7919))
		batched := runPipeline(t, reqs, func(int) int { return 1 + rng.Intn(8) })
		for i := range serial.results {
			if !reflect.DeepEqual(serial.results[i], batched.results[i]) {
				t.Fatalf("seed %d step %d (%v %+v):\nserial  %+v\nbatched %+v", seed, i, reqs[i].Op, reqs[i].Body,
					serial.results[i], batched.results[i])
			}
		}
		if !reflect.DeepEqual(serial.dump, batched.dump) {
			t.Fatalf("seed %d: trees differ", seed)
		}
	}
}

type pipelineRun struct {
	results []datatree.Result
	dump    []string
}

func runPipeline(t *testing.T, reqs []Request, batch func(int) int) pipelineRun {
	tree := datatree.New()
	p := New(tree, Config{ExtendedTypesEnabled: true})
	var out pipelineRun
	type pending struct {
		hdr jute.TxnHeader
		txn jute.Record
	}
	for i := 0; i < len(reqs); {
		n := batch(i)
		var queue []pending
		for j := 0; j < n && i < len(reqs); j, i = j+1, i+1 {
			zxid := int64(i + 1)
			hdr, txn := p.Prepare(reqs[i], zxid, 5000+zxid)
			queue = append(queue, pending{hdr, txn})
		}
		for _, q := range queue {
			out.results = append(out.results, tree.Apply(q.hdr, q.txn))
			p.Applied(q.hdr.Zxid)
		}
	}
	if p.Outstanding() != 0 {
		t.Fatalf("outstanding %d after all applied", p.Outstanding())
	}
	_ = tree.Walk(func(path string, n datatree.Node) error {
		s, _ := tree.Exists(path)
		out.dump = append(out.dump, fmt.Sprintf("%s %q %+v %v", path, n.Data, s, n.ACL))
		return nil
	})
	return out
}

func randomRequests(rng *rand.Rand, n int) []Request {
	paths := []string{"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z", "/c"}
	limited := []jute.ACL{{Perms: int32(protocol.PermRead | protocol.PermWrite | protocol.PermAdmin), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	sessions := []int64{0x11, 0x22}
	pick := func() string { return paths[rng.Intn(len(paths))] }
	version := func() int32 { return int32(rng.Intn(4)) - 1 }
	writeOp := func() jute.MultiOp {
		switch rng.Intn(6) {
		case 0, 1:
			flags := []protocol.CreateMode{0, 1, 2, 3, 4}[rng.Intn(5)]
			op := protocol.OpCreate
			if flags == protocol.ModeContainer {
				op = protocol.OpCreateContainer
			}
			return jute.MultiOp{Type: op, Req: &jute.CreateRequest{Path: pick(), Data: []byte{byte('a' + rng.Intn(26))}, ACL: open, Flags: int32(flags)}}
		case 2:
			return jute.MultiOp{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: pick(), Version: version()}}
		case 3:
			return jute.MultiOp{Type: protocol.OpSetData, Req: &jute.SetDataRequest{Path: pick(), Data: []byte("v"), Version: version()}}
		case 4:
			return jute.MultiOp{Type: protocol.OpCheck, Req: &jute.CheckVersionRequest{Path: pick(), Version: version()}}
		}
		return jute.MultiOp{Type: protocol.OpCreate2, Req: &jute.CreateRequest{Path: pick() + "/s", ACL: open, Flags: int32(protocol.ModeEphemeralSequential)}}
	}
	out := make([]Request, 0, n)
	for len(out) < n {
		req := Request{SessionID: sessions[rng.Intn(2)], IDs: anyIDs}
		switch rng.Intn(10) {
		case 0:
			req.Op = protocol.OpSetACL
			a := open
			if rng.Intn(2) == 0 {
				a = limited
			}
			req.Body = &jute.SetACLRequest{Path: pick(), ACL: a, Version: version()}
		case 1:
			ops := make([]jute.MultiOp, 1+rng.Intn(3))
			for i := range ops {
				ops[i] = writeOp()
			}
			req.Op, req.Body = protocol.OpMulti, &jute.MultiRequest{Ops: ops}
		case 2:
			if rng.Intn(4) == 0 {
				req.Op = protocol.OpCloseSession
				break
			}
			req.Op, req.Body = protocol.OpDeleteContainer, &jute.DeleteTxn{Path: pick()}
		default:
			op := writeOp()
			if op.Type == protocol.OpCheck {
				continue
			}
			req.Op, req.Body = op.Type, op.Req
		}
		out = append(out, req)
	}
	return out
}
