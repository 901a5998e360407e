package server

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// replay rebuilds the tree and the sessions from the txn log (ZooKeeper's
// FileTxnSnapLog.restore without a snapshot yet): every entry after the tree's last zxid is
// applied in order. Sessions found in the log start their timeout from now, as ZooKeeper's
// restored sessions do.
func (s *Server) replay() error {
	n := 0
	it, err := s.txnLog.ReadFrom(s.tree.LastProcessedZxid() + 1)
	if err != nil {
		return fmt.Errorf("server: reading the txn log: %w", err)
	}
	err = txnlog.ForEach(it, func(e LogEntry) error {
		d := jute.NewDecoder(e.Data)
		var hdr jute.TxnHeader
		hdr.Decode(d)
		if err := d.Err(); err != nil {
			return fmt.Errorf("txn header at zxid 0x%x: %w", e.Zxid, err)
		}
		txn, err := jute.DecodeTxn(hdr, e.Data[d.Off:])
		if err != nil {
			return err
		}
		s.tree.Apply(hdr, txn)
		s.sessionEvent(hdr, txn, nil)
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("server: replaying the txn log: %w", err)
	}
	if n > 0 {
		s.logger.Info("replayed txn log", "txns", n, "lastZxid", hexID(s.tree.LastProcessedZxid()))
	}
	return nil
}
