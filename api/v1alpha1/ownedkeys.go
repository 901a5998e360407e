package v1alpha1

import "strings"

// OwnedConfigKeys are the zoo.cfg keys the operator writes itself and refuses in
// spec.serverConfig: they name paths inside the pod, ports the Services and probes point at, or
// the membership the operator derives from pod ordinals. Letting a user set them would make the
// Services, the probes or the server lines disagree with the server.
//
// The CEL rule on ZKEnsembleSpec.ServerConfig repeats this list (a marker cannot refer to a Go
// value); TestOwnedKeysMatchCRD fails when the two drift apart.
var OwnedConfigKeys = []string{
	"dataDir",           // the PVC mount
	"dataLogDir",        // the PVC mount (one volume holds log and snapshots)
	"clientPort",        // spec.ports.client: Services and probes use it
	"clientPortAddress", // must listen on the pod IP for the Services to reach it
	"secureClientPort",  // spec.tls.port: the container port and the Services use it
	// The secure port listens on all addresses (ZooKeeper's default): a pod has its own network.
	"secureClientPortAddress",
	"ssl.clientAuth",       // spec.tls.clientAuth
	"dynamicConfigFile",    // membership lives in the static file, written by the operator
	"standaloneEnabled",    // false, so an ensemble of one can grow (ZooKeeper reconfig guide)
	"reconfigEnabled",      // membership changes are the operator's decision
	"peerType",             // participant/observer is decided per member by the operator
	"quorumListenOnAllIPs", // true: a pod's own DNS name may not resolve to its IP at start
}

// OwnedConfigKeyPrefixes are key prefixes the operator owns: the membership lines (server.N,
// and group.N / weight.N of hierarchical quorums, which refer to them), the metrics provider,
// which follows spec.metrics, and the key and trust stores, which are the files of spec.tls's
// Secret. The other ssl.* keys (ssl.enabledProtocols, ssl.ciphersuites,
// ssl.handshakeDetectionTimeoutMillis) and X509AuthenticationProvider.superUser stay the
// user's to tune.
var OwnedConfigKeyPrefixes = []string{"server.", "group.", "weight.", "metricsProvider.", "ssl.keyStore.", "ssl.trustStore."}

// IsOwnedConfigKey reports whether key is set by the operator and so refused in
// spec.serverConfig. Like ZooKeeper (java.util.Properties) the comparison is case-sensitive.
func IsOwnedConfigKey(key string) bool {
	for _, k := range OwnedConfigKeys {
		if key == k {
			return true
		}
	}
	for _, p := range OwnedConfigKeyPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
