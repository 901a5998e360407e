package specs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/topology"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Paths inside the member container.
const (
	// DataDir is where the data volume is mounted; zoo.cfg's dataDir (log and snapshots share
	// the volume, so dataLogDir is not written).
	DataDir = "/data"
	// ConfigDir is where the ConfigMap is mounted.
	ConfigDir = "/etc/zkensemble"
	// ZooCfgKey is the ConfigMap key (and file name) of zoo.cfg.
	ZooCfgKey = "zoo.cfg"
)

// Values the operator writes unless spec.serverConfig sets the key. tickTime, initLimit and
// syncLimit are those of ZooKeeper's sample zoo.cfg (conf/zoo_sample.cfg); initLimit and
// syncLimit are required in ensemble mode. Autopurge is on because a member that never purges
// fills its volume: ZooKeeper's own default (purgeInterval 0) is off.
const (
	defaultTickTimeMillis         = 2000
	defaultInitLimitTicks         = 10
	defaultSyncLimitTicks         = 5
	defaultAutopurgeIntervalHours = 1
)

// RequiredFourLetterWords are the four-letter words the operator and the probes use: ruok for
// liveness, srvr for readiness (`zkensemble probe`), mntr for status. They are added to
// 4lw.commands.whitelist when the user's list lacks them.
var RequiredFourLetterWords = []string{"ruok", "srvr", "mntr"}

// configKeyPattern accepts the key names ZooKeeper uses (tickTime, autopurge.purgeInterval,
// 4lw.commands.whitelist, jute.maxbuffer): nothing the properties syntax would read as a
// separator, comment or escape.
var configKeyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ZooCfg is the zoo.cfg of every member of zke: the operator's keys, the user's
// spec.serverConfig, and one server.N line per ordinal,
//
//	server.{ord+1}=<host>:<quorum>:<election>:participant;<host>:<client>
//	(host = <name>-{ord}.<name>-headless.<ns>.svc.<clusterDomain>)
//
// written by pkg/zoocfg, so the server reads back exactly the Config built here. Members share
// the file; each finds its own id from its pod name (pkg/topology).
func ZooCfg(zke *v1alpha1.ZKEnsemble, opts Options) (string, error) {
	return ZooCfgFor(zke, opts, Membership{})
}

// ZooCfgFor is ZooCfg with the per-ensemble inputs of dynamic membership (ignored unless
// opts.Reconfig).
func ZooCfgFor(zke *v1alpha1.ZKEnsemble, opts Options, m Membership) (string, error) {
	c, _, err := ZooCfgConfigFor(zke, opts, m)
	if err != nil {
		return "", err
	}
	return string(c.Marshal()), nil
}

// ZooCfgConfig is the parsed form of ZooCfg, with the warnings pkg/zoocfg has about the user's
// keys (unknown keys, values ZooKeeper would silently correct) for the reconciler to surface.
func ZooCfgConfig(zke *v1alpha1.ZKEnsemble, opts Options) (*zoocfg.Config, []zoocfg.Warning, error) {
	return ZooCfgConfigFor(zke, opts, Membership{})
}

// ZooCfgConfigFor is ZooCfgConfig with the per-ensemble inputs of dynamic membership. With
// opts.Reconfig the server lines are those of the first m.Pods members (the seed a new member
// starts from, see DynamicSeed) and Marshal leaves them out of zoo.cfg, which then does not
// change when the membership does.
func ZooCfgConfigFor(zke *v1alpha1.ZKEnsemble, opts Options, m Membership) (*zoocfg.Config, []zoocfg.Warning, error) {
	spec, err := resolve(zke, opts)
	if err != nil {
		return nil, nil, err
	}
	// The user's keys go through zoocfg.Parse, so a value the server would refuse (tickTime=abc)
	// is refused here, before any pod sees it. Our defaults for keys the user left out go in the
	// same text, so cross-key rules (minSessionTimeout <= maxSessionTimeout, both derived from
	// tickTime) are checked against the values the members will really use.
	var text strings.Builder
	for _, k := range slices.Sorted(maps.Keys(spec.ServerConfig)) {
		if v1alpha1.IsOwnedConfigKey(k) {
			return nil, nil, fmt.Errorf("%w: serverConfig: %s", ErrOwnedKey, k)
		}
		if !configKeyPattern.MatchString(k) {
			return nil, nil, fmt.Errorf("%w: serverConfig: %q", ErrConfigKey, k)
		}
		v := string(spec.ServerConfig[k])
		if strings.ContainsAny(v, "\r\n") {
			return nil, nil, fmt.Errorf("%w: serverConfig: %s: value contains a line break", ErrInvalidSpec, k)
		}
		// Values are literal: a backslash is a backslash, not a properties escape.
		fmt.Fprintf(&text, "%s=%s\n", k, strings.ReplaceAll(v, `\`, `\\`))
	}
	for _, d := range []struct {
		key   string
		value int
	}{
		{"tickTime", defaultTickTimeMillis},
		{"initLimit", defaultInitLimitTicks},
		{"syncLimit", defaultSyncLimitTicks},
		{"autopurge.purgeInterval", defaultAutopurgeIntervalHours},
	} {
		if _, set := spec.ServerConfig[d.key]; !set {
			fmt.Fprintf(&text, "%s=%d\n", d.key, d.value)
		}
	}
	// dataDir is owned (set below) but Parse requires one.
	fmt.Fprintf(&text, "dataDir=%s\n", DataDir)
	c, warns, err := zoocfg.Parse([]byte(text.String()))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: serverConfig: %w", ErrInvalidConfig, err)
	}

	// The keys the operator owns (v1alpha1.OwnedConfigKeys).
	c.DataDir, c.DataLogDir = DataDir, DataDir
	c.ClientPort = int(spec.Ports.Client)
	c.ClientPortAddress = ""
	c.SecureClientPort = 0
	c.DynamicConfigFile = ""
	// standaloneEnabled=false keeps a one-member ensemble in quorum mode, so it can later grow
	// without a restart into a different mode (ZooKeeper's dynamic reconfiguration guide).
	c.StandaloneEnabled = false
	c.ReconfigEnabled = false
	c.PeerType = zoocfg.Participant
	// Each member binds its quorum, election and client ports to its own headless DNS name
	// (which resolves to its pod IP), not to the wildcard address. On Kubernetes the two are
	// the same thing, since a pod has its own network namespace; where pods share the host's
	// network (hack/local-cluster.sh's node agent, hostNetwork pods) wildcard binds of three
	// members on one port collide. The headless Service publishes not-ready addresses, so the
	// name resolves as soon as the pod has an IP (QuorumPeer binds the server line's address
	// unless quorumListenOnAllIPs is true).
	c.QuorumListenOnAllIPs = false
	c.FourLetterWordWhitelist = withRequiredWords(c.FourLetterWordWhitelist)
	if spec.Metrics.Enabled {
		// The server binds it on the member's own address, like the ports above
		// (pkg/cmd metricsAddr), unless serverConfig names metricsProvider.httpHost.
		c.MetricsProviderClassName = zoocfg.PrometheusMetricsProvider
		c.MetricsHTTPPort = int(spec.Ports.Metrics)
	}
	applyTLS(c, spec.TLS)

	members := spec.Replicas
	if opts.Reconfig {
		if err := m.apply(c); err != nil {
			return nil, nil, err
		}
		members = m.pods(spec.Replicas)
	}
	c.Servers = c.Servers[:0]
	for ord := 0; ord < int(members); ord++ {
		line, err := memberServerLine(zke, spec, ord, opts)
		if err != nil {
			return nil, nil, err
		}
		c.Servers = append(c.Servers, line)
	}
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	// Only warnings about the user's keys concern the user; the rest would be about our text.
	return c, userWarnings(warns, spec.ServerConfig), nil
}

// MemberServerLine is the server line of the member at ordinal, as zoo.cfg (or the dynamic
// seed) lists it and as a reconfig adds it:
//
//	server.{ord+1}=<host>:<quorum>:<election>:participant;<host>:<client>
func MemberServerLine(zke *v1alpha1.ZKEnsemble, opts Options, ordinal int) (zoocfg.ServerLine, error) {
	spec, err := resolve(zke, opts)
	if err != nil {
		return zoocfg.ServerLine{}, err
	}
	return memberServerLine(zke, spec, ordinal, opts)
}

func memberServerLine(zke *v1alpha1.ZKEnsemble, spec v1alpha1.ZKEnsembleSpec, ord int, opts Options) (zoocfg.ServerLine, error) {
	id, err := topology.ServerID(ord)
	if err != nil {
		return zoocfg.ServerLine{}, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	return zoocfg.ServerLine{
		ID:           id,
		Host:         MemberHost(zke, ord, opts.clusterDomain()),
		QuorumPort:   int(spec.Ports.Quorum),
		ElectionPort: int(spec.Ports.Election),
		Type:         zoocfg.Participant,
		// The client part names the member's own host for the same reason: the
		// member's client listener follows its server line (QuorumPeerConfig.setupClientPort).
		ClientHost: MemberHost(zke, ord, opts.clusterDomain()),
		ClientPort: int(spec.Ports.Client),
	}, nil
}

// withRequiredWords adds RequiredFourLetterWords to a 4lw.commands.whitelist value. "*" already
// allows everything. When the user did not set the key, the value is ZooKeeper's default
// ("srvr"), which is extended the same way.
func withRequiredWords(list string) string {
	var words []string
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		if w == "*" {
			return "*"
		}
		if w != "" && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	for _, w := range RequiredFourLetterWords {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return strings.Join(words, ",")
}

func userWarnings(warns []zoocfg.Warning, user map[string]v1alpha1.ZooCfgValue) []zoocfg.Warning {
	var out []zoocfg.Warning
	for _, w := range warns {
		if _, ok := user[w.Key]; ok {
			w.Line = 0 // the line of our intermediate text means nothing to the user
			out = append(out, w)
		}
	}
	return out
}

// ConfigHash is a short, stable digest of a zoo.cfg: the value of AnnotationConfigHash.
func ConfigHash(zooCfg string) string {
	sum := sha256.Sum256([]byte(zooCfg))
	return hex.EncodeToString(sum[:8])
}
