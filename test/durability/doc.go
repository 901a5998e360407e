// Package durability holds the process-level storage suites: real servers are killed, their
// files damaged or their disk filled, and what they serve afterwards is checked against what
// clients were told (the storage issue's crash, torn-write and disk-full requirements).
//
//   - crash_test.go: K go-zookeeper writer sessions run creates, setData counters and multis in
//     closed loops while the server is SIGKILLed at seeded random moments and restarted on the
//     same data; after each restart history_test.go's Check verifies that every acknowledged
//     write is present, that nothing rejected or never attempted appears, and that every multi
//     is all-or-nothing. Runs against Apache ZooKeeper (proving the suite sound) and ZKE.
//     TestCrashCheckDetectsLostLog proves it can fail: it cuts half of Apache's txn log after a
//     kill and expects lost acknowledgements; history_unit_test.go feeds Check fabricated ones.
//   - torn_test.go: truncates the newest txn log segment at byte offsets across its last
//     records, and flips a byte in a middle record (ZKE only: it needs our file format, read by
//     segment_test.go from pkg/txnlog's documented frame layout).
//   - snapshot_test.go: corrupts the newest snapshot (ZKE only).
//   - diskfull_test.go: dataDir on a small tmpfs, filled until writes fail (ZKE only).
//
// Every test runs against ZKE (and Apache where it says so) and must pass; none skips for a
// pending server. Knobs (environment): ZKE_CRASH_SEED (int64, default from the clock; always printed),
// ZKE_CRASH_ROUNDS (kills per target, default 5), ZKE_TORN_OFFSETS ("all" truncates at every
// byte offset instead of a sample of 128 that always holds the record boundaries). -short
// skips every test that starts a process.
//
// The package has no non-test code besides this file.
package durability
