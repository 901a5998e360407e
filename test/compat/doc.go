// Package compat holds the client-compatibility suites: real ZooKeeper clients and a raw
// protocol client run the same scripted scenarios against a target server (harness.Apache or
// harness.ZKE) and their observable behaviour is compared with Apache ZooKeeper 3.8's.
//
//   - zkcli_test.go: zkCli.sh sessions from testdata/zkcli/*.cli, compared with golden output
//     recorded from Apache (regenerate with `go test ./test/compat -run ZkCli/apache -update`).
//   - kazoo_test.go: the kazoo recipes in testdata/kazoo_recipes.py.
//   - cclient_test.go: the C client cli_mt driven on stdin.
//   - diff_*.go: differential scenarios run with a raw jute client against two servers, the
//     transcripts normalised and compared field by field.
//   - ensemble_test.go, diff_spread_test.go: the ensemble target: zkCli.sh and cli_mt against a
//     follower of a 3-member zkensemble ensemble, and the differential
//     scenarios with each session on its own member, self-tested on an Apache ensemble.
//
// Every suite runs against both targets and must pass. Where we
// follow ZooKeeper 3.9 and the 3.8.0 reference differs, the differential suite lists the exact
// lines in knownDifferences (diff_test.go), each argued in docs/compatibility.md. The package
// has no non-test code besides this file.
package compat
