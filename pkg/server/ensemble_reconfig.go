package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/zab"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Dynamic reconfiguration in the server (docs/replication.md "Dynamic reconfiguration").
// zab and pkg/quorum run the protocol; here:
//   - a reconfig txn is a TxnHeader of type reconfig and a SetDataTxn of /zookeeper/config
//     whose data is the new config text (pkg/prep reconfig.go); decodeReconfigTxn reads the
//     members back out of it for the quorum;
//   - the active config (members with client parts, version) is kept for prep, conf and
//     mntr, and on every activation (onConfig) written to /zookeeper/config when the tree
//     does not hold it yet, and to <zoo.cfg>.dynamic.<version hex> with zoo.cfg pointed at
//     it (QuorumPeer.setQuorumVerifier → writeDynamicConfig, editStaticConfig), so a
//     restarted member comes back with the new membership.

// decodeReconfigTxn is quorum.Config.DecodeReconfig.
func decodeReconfigTxn(data []byte) ([]quorum.Peer, bool) {
	d := jute.NewDecoder(data)
	var hdr jute.TxnHeader
	hdr.Decode(d)
	if d.Err() != nil || protocol.OpCode(hdr.Type) != protocol.OpReconfig {
		return nil, false
	}
	txn, err := jute.DecodeTxn(hdr, data[d.Off:])
	if err != nil {
		return nil, false
	}
	sd, ok := txn.(*jute.SetDataTxn)
	if !ok {
		return nil, false
	}
	peers, _, ok := quorum.ParseConfigText(sd.Data)
	return peers, ok
}

// membershipState is the active config as the server shows it.
type membershipState struct {
	servers []zoocfg.ServerLine
	version int64
}

// initMembership reads the static config (ConfigText, else the peers' lines).
func (e *ensemble) initMembership() {
	if d, err := zoocfg.ParseDynamic(e.cfg.ConfigText); err == nil && len(d.Servers) > 0 {
		e.members = membershipState{servers: d.Servers, version: e.cfg.ConfigVersion}
		return
	}
	e.members = membershipState{servers: linesOf(e.cfg.Peers), version: e.cfg.ConfigVersion}
}

func linesOf(peers []quorum.Peer) []zoocfg.ServerLine {
	out := make([]zoocfg.ServerLine, 0, len(peers))
	for _, p := range peers {
		l := p.Line
		if l.ID == 0 {
			l = zoocfg.ServerLine{ID: int64(p.ID)}
			host, qp, _ := splitHostPortInt(p.QuorumAddr)
			_, ep, _ := splitHostPortInt(p.ElectionAddr)
			l.Host, l.QuorumPort, l.ElectionPort = host, qp, ep
		}
		l.Type = zoocfg.Participant
		if p.Observer {
			l.Type = zoocfg.Observer
		}
		out = append(out, l)
	}
	return out
}

// Membership is prep.Ensemble: the active config and whether a reconfig is pending.
func (e *ensemble) Membership() ([]zoocfg.ServerLine, int64, bool) {
	e.memMu.Lock()
	defer e.memMu.Unlock()
	pending := e.member != nil && e.member.Status().ReconfigPending
	return append([]zoocfg.ServerLine(nil), e.members.servers...), e.members.version, pending
}

// SyncedVoters is prep.Ensemble: this leader and its synced followers.
func (e *ensemble) SyncedVoters() map[int64]bool {
	out := map[int64]bool{e.s.cfg.ServerID: true}
	if e.member != nil {
		for _, id := range e.member.Status().SyncedFollowers {
			out[int64(id)] = true
		}
	}
	return out
}

// configText is the active config as /zookeeper/config and conf show it.
func (e *ensemble) configText() ([]byte, int64) {
	e.memMu.Lock()
	defer e.memMu.Unlock()
	return []byte(zoocfg.ConfigText(e.members.servers, e.members.version)), e.members.version
}

// voterCount is mntr's zk_quorum_size: the voters of the active config.
func (e *ensemble) voterCount() int {
	e.memMu.Lock()
	defer e.memMu.Unlock()
	n := 0
	for _, s := range e.members.servers {
		if s.Type == zoocfg.Participant {
			n++
		}
	}
	return n
}

// onConfig is quorum.Config.OnConfig (member goroutine): a new config is active.
func (e *ensemble) onConfig(peers []quorum.Peer, version zab.Zxid) {
	s := e.s
	lines := linesOf(peers)
	e.memMu.Lock()
	e.members = membershipState{servers: lines, version: int64(version)}
	e.memMu.Unlock()
	text := []byte(zoocfg.ConfigText(lines, int64(version)))
	// The reconfig txn wrote the node already when this member applied it; a config taken
	// from the leader (SNAP, NEWLEADER) or found at start is written here, as ZooKeeper's
	// Learner does after a sync (ZOOKEEPER-2819).
	s.treeMu.Lock()
	if _, st, err := s.tree.GetData(datatree.ConfigPath); err == nil && st.Mzxid != int64(version) {
		s.tree.SetConfig(text, int64(version), s.now().UnixMilli())
	}
	s.treeMu.Unlock()
	s.logger.Info("config activated", "version", hexID(int64(version)), "voters", e.voterCount())
	if e.cfg.ConfigFile != "" {
		if err := writeDynamicConfig(e.cfg.ConfigFile, e.cfg.DynamicFileInPlace, lines, int64(version), s.cfg.ServerID); err != nil {
			// The membership is in the log and snapshot too; a restart before the next
			// activation finds it there. Logged loudly: the operator reads these files.
			s.logger.Error("writing the dynamic config file failed", "err", err)
		}
	}
}

// writeDynamicConfig replaces inPlace when it is set (EnsembleConfig.DynamicFileInPlace);
// otherwise it writes <zoo.cfg>.dynamic.<version> and points zoo.cfg at it, each replaced
// atomically (dynamic file first: zoo.cfg never names a file that is not there).
// clientPort/clientPortAddress leave zoo.cfg when our own line carries a client address
// (QuorumPeer.needEraseClientInfoFromStaticConfig).
func writeDynamicConfig(configFile, inPlace string, servers []zoocfg.ServerLine, version, myID int64) error {
	if inPlace != "" {
		return quorum.WriteFileAtomic(inPlace, zoocfg.DynamicFileContent(servers))
	}
	abs, err := filepath.Abs(configFile)
	if err != nil {
		return err
	}
	dyn := zoocfg.DynamicFileName(abs, version)
	if err := quorum.WriteFileAtomic(dyn, zoocfg.DynamicFileContent(servers)); err != nil {
		return err
	}
	static, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	erase := false
	for _, l := range servers {
		if l.ID == myID && l.ClientPort != 0 {
			erase = true
		}
	}
	edited, err := zoocfg.EditStaticConfig(static, dyn, erase)
	if err != nil {
		return fmt.Errorf("rewriting %s: %w", abs, err)
	}
	return quorum.WriteFileAtomic(abs, edited)
}

// snapshotConfig is quorum.Config.SnapshotConfig: at start the tree holds the restored
// snapshot, whose /zookeeper/config is the config of the newest reconfig it folded (or one
// written by SetConfig, also committed).
func (e *ensemble) snapshotConfig(zab.Snapshot) ([]quorum.Peer, zab.Zxid, bool) {
	s := e.s
	s.treeMu.RLock()
	data, _, err := s.tree.GetData(datatree.ConfigPath)
	s.treeMu.RUnlock()
	if err != nil {
		return nil, 0, false
	}
	peers, v, ok := quorum.ParseConfigText(data)
	if !ok || v == 0 {
		return nil, 0, false
	}
	return peers, v, true
}

func splitHostPortInt(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

// ensembleView is prep.Ensemble for a server in ensemble mode; it looks up the ensemble at
// each call, since the preparer is built before the quorum member starts.
type ensembleView struct{ s *Server }

func (v ensembleView) Membership() ([]zoocfg.ServerLine, int64, bool) {
	if v.s.ens == nil {
		return nil, 0, true // not started: no reconfig yet (ReconfigInProgress)
	}
	return v.s.ens.Membership()
}

func (v ensembleView) SyncedVoters() map[int64]bool {
	if v.s.ens == nil {
		return nil
	}
	return v.s.ens.SyncedVoters()
}

// voterIDs are the active config's voters.
func (e *ensemble) voterIDs() map[int64]bool {
	e.memMu.Lock()
	defer e.memMu.Unlock()
	out := map[int64]bool{}
	for _, s := range e.members.servers {
		if s.Type == zoocfg.Participant {
			out[s.ID] = true
		}
	}
	return out
}

// quorumConf is conf's quorum part (ZooKeeper's QuorumPeer config): limits, our ports and
// type, and the active membership, which is what a reconfig changes.
func (e *ensemble) quorumConf() *fourlw.QuorumConf {
	text, _ := e.configText()
	q := &fourlw.QuorumConf{InitLimitTicks: e.cfg.InitLimit, SyncLimitTicks: e.cfg.SyncLimit, ElectionAlg: 3, Membership: string(text)}
	e.memMu.Lock()
	defer e.memMu.Unlock()
	for _, l := range e.members.servers {
		if l.ID == e.s.cfg.ServerID {
			q.ElectionPort, q.QuorumPort = l.ElectionPort, l.QuorumPort
			if l.Type == zoocfg.Observer {
				q.PeerType = 1
			}
		}
	}
	return q
}
