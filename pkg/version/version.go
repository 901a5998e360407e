// Package version says which zkensemble this is and which ZooKeeper version it speaks as.
package version

// Version is the zkensemble release; set with -ldflags "-X .../pkg/version.Version=v…".
var Version = "0.1.0-dev"

// ZooKeeperCompat is the Apache ZooKeeper version whose protocol and behaviour we match. Clients
// parse "Zookeeper version:" from srvr and `zookeeper.version=` from envi; they expect 3.x.y.
const ZooKeeperCompat = "3.9.2"

// BuildDate is when the binary was built, in the "MM/DD/YYYY HH:MM GMT" shape ZooKeeper prints
// and go-zookeeper's srvr parser requires; set with -ldflags by the Makefile.
var BuildDate = "01/01/1970 00:00 GMT"

// String is the version line printed by `zkensemble version` and reported by srvr/stat/mntr/envi:
// ZooKeeper's own shape ("3.9.2-<build>, built on <date>") with our identity in the build part.
func String() string {
	return ZooKeeperCompat + "-zkensemble-" + Version + ", built on " + BuildDate
}
