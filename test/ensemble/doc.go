// Package ensemble runs replicated ensembles of `zkensemble server` processes (3 and 5
// members on their own loopback addresses 127.a.b.N, built by test/harness.StartEnsemble) and checks what the issue asks of
// ensemble mode: one leader, writes through any member, sync+read linearizable, ephemerals
// removed everywhere through the log, sessions resuming on another member, and leader
// failover under load with no acknowledged write lost (the failover time is logged).
// TestObserver runs 3 voters + 1 observer against Apache ZooKeeper 3.8 and against us with
// the same checks (modes, the leader's learner counters, forwarding, quorum without the
// observer, kill -9 of the observer).
// Bounded: every client call has a deadline and each test a few tens of seconds.
package ensemble
