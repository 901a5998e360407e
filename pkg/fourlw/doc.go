// Package fourlw owns ZooKeeper's four-letter words ("4lw": srvr, stat, mntr, ruok, cons, ...):
// the command names and the 4lw.commands.whitelist rule, the exact text a server sends for each
// command, the parsers for that text, and the client that asks a server for it.
//
// One source of truth (STYLE.md rule 4): pkg/server renders with this package, and the
// operator and `zkensemble probe` query and parse with it, so the format is written once.
//
// Rendering is pure: the server gathers its numbers into plain structs (ServerStats,
// Connection, ConfInfo, DumpInfo, ...) and calls a renderer; nothing here reads clocks or
// sockets. Query is the only I/O.
//
// Formats follow Apache ZooKeeper 3.8 (server/command/*.java, ServerStats.toString,
// ServerCnxn.dumpConnectionInfo, ZooKeeperServer.dumpConf, DataTree.dump*); testdata/zk38*
// hold the real replies of ZooKeeper 3.8.0 that the tests compare shapes against.
//
// Callers (the server) must: read the first 4 bytes of a new connection and call Lookup; if the
// word is known and not Allowed by the whitelist, send NotWhitelistedReply; if the server is not
// serving yet, send NotServingReply when it applies; then send the rendered text and close the
// connection (the client reads to EOF).
package fourlw
