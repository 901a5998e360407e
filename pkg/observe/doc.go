// Package observe owns member observation: asking every member pod of an ensemble what it is
// (srvr and mntr over its pod IP, with the project's own 4lw client, pkg/fourlw) and the pure
// summary of those answers (who leads, whether the leaders agree, whether a quorum of the
// voters the spec asks for follows the leader).
//
// Observe is the only I/O, and even it reaches the network only through the injected QueryFunc
// (fourlw.Query in the operator, canned replies in tests). Everything else is a function of
// its inputs. A member that does not answer is reported as unreachable with the reason; its
// role and zxid are never guessed from an earlier observation.
//
// Callers must: pass one PodInfo per member they expect (a pod that does not exist yet is a
// PodInfo without IP, so it is reported rather than forgotten), bound ctx, and inject the
// clock that stamps LastSeen.
package observe
