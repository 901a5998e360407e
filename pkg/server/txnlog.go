package server

import "github.com/zkensemble/zkensemble/pkg/txnlog"

// TxnLog is the durable storage boundary the standalone replicator writes through:
// pkg/txnlog's Log (its goroutine and durability contracts apply). The replicator goroutine is
// its only writer; the server reads it only before serving (replay).
type TxnLog = txnlog.Log

// LogEntry is one persisted txn: Data is the marshalled jute TxnHeader followed by the txn
// record.
type LogEntry = txnlog.Entry
