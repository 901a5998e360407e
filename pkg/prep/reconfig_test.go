package prep

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// fakeEnsemble is prep.Ensemble with fixed answers.
type fakeEnsemble struct {
	servers []zoocfg.ServerLine
	version int64
	pending bool
	synced  map[int64]bool
}

func (f *fakeEnsemble) Membership() ([]zoocfg.ServerLine, int64, bool) {
	return f.servers, f.version, f.pending
}
func (f *fakeEnsemble) SyncedVoters() map[int64]bool { return f.synced }

func threeMembers() []zoocfg.ServerLine {
	var out []zoocfg.ServerLine
	for id := int64(1); id <= 3; id++ {
		out = append(out, zoocfg.ServerLine{ID: id, Host: "10.0.0." + string(rune('0'+id)), QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181})
	}
	return out
}

var superIDs = []jute.Id{{Scheme: acl.SchemeSuper, ID: ""}}

// TestReconfigErrors: PrepRequestProcessor's checks for reconfig, in its order.
func TestReconfigErrors(t *testing.T) {
	const v = 0x100000003
	join4 := "server.4=10.0.0.4:2888:3888:participant;2181"
	cases := []struct {
		name    string
		enabled bool
		ens     *fakeEnsemble
		req     jute.ReconfigRequest
		ids     []jute.Id
		want    protocol.ErrCode
	}{
		{"disabled", false, nil, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: -1}, superIDs, protocol.ErrReconfigDisabled},
		{"standalone", true, nil, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: -1}, superIDs, protocol.ErrUnimplemented},
		{"in progress", true, &fakeEnsemble{pending: true}, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: -1}, superIDs, protocol.ErrReconfigInProgress},
		{"stale version", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: v - 1}, superIDs, protocol.ErrBadVersion},
		{"no equals", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: "server.4", CurConfigID: -1}, superIDs, protocol.ErrBadArguments},
		{"no client port", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: "server.4=10.0.0.4:2888:3888", CurConfigID: -1}, superIDs, protocol.ErrBadArguments},
		{"bad leaving id", true, &fakeEnsemble{}, jute.ReconfigRequest{LeavingServers: "x", CurConfigID: -1}, superIDs, protocol.ErrBadArguments},
		{"duplicate address", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: "server.4=10.0.0.1:2888:3999;2181", CurConfigID: -1}, superIDs, protocol.ErrBadArguments},
		{"one voter left", true, &fakeEnsemble{}, jute.ReconfigRequest{LeavingServers: "1,2", CurConfigID: -1}, superIDs, protocol.ErrBadArguments},
		{"new voters not synced", true, &fakeEnsemble{synced: map[int64]bool{1: true}}, jute.ReconfigRequest{NewMembers: "server.1=10.0.0.1:2888:3888;2181,server.5=e:1:2;2181,server.6=f:1:2;2181", CurConfigID: -1}, superIDs, protocol.ErrNewConfigNoQuorum},
		{"no auth", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: v}, anyIDs, protocol.ErrNoAuth},
		{"ok conditional", true, &fakeEnsemble{}, jute.ReconfigRequest{JoiningServers: join4, CurConfigID: v}, superIDs, protocol.ErrOk},
		{"ok remove", true, &fakeEnsemble{}, jute.ReconfigRequest{LeavingServers: "3", CurConfigID: -1}, superIDs, protocol.ErrOk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{ReconfigEnabled: tc.enabled}
			if tc.ens != nil {
				if tc.ens.servers == nil {
					tc.ens.servers = threeMembers()
				}
				if tc.ens.version == 0 {
					tc.ens.version = v
				}
				if tc.ens.synced == nil {
					tc.ens.synced = map[int64]bool{1: true, 2: true, 3: true}
				}
				cfg.Ensemble = tc.ens
			}
			h := newHarness(t, cfg)
			h.tree.SetConfig([]byte(zoocfg.ConfigText(threeMembers(), v)), v, 1)
			x := h.prepare(protocol.OpReconfig, &tc.req, tc.ids)
			got := protocol.ErrOk
			if et, ok := x.txn.(*jute.ErrorTxn); ok {
				got = protocol.ErrCode(et.Err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if tc.want != protocol.ErrOk {
				return
			}
			sd, ok := x.txn.(*jute.SetDataTxn)
			if !ok || sd.Path != datatree.ConfigPath || sd.Version != -1 || protocol.OpCode(x.hdr.Type) != protocol.OpReconfig {
				t.Fatalf("txn %T %+v, header type %d", x.txn, x.txn, x.hdr.Type)
			}
			// The new config's version is the txn's zxid, written as /zookeeper/config holds it.
			if want := "version=" + strconv.FormatInt(x.hdr.Zxid, 16); !strings.HasSuffix(string(sd.Data), want) {
				t.Fatalf("config text %q does not end in %q", sd.Data, want)
			}
			// A second reconfig while this one is outstanding: ReconfigInProgress.
			again := h.prepare(protocol.OpReconfig, &jute.ReconfigRequest{LeavingServers: "2", CurConfigID: -1}, superIDs)
			if et, ok := again.txn.(*jute.ErrorTxn); !ok || protocol.ErrCode(et.Err) != protocol.ErrReconfigInProgress {
				t.Fatalf("second reconfig: %+v, want ReconfigInProgress", again.txn)
			}
		})
	}
}
