package robustness

import "github.com/zkensemble/zkensemble/test/harness"

// targets are the implementations the suite runs against, the reference first; both run
// through harness.ProxiedEnsemble and must pass.
var targets = []harness.Target{harness.Apache, harness.ZKE}
