package zoocfg

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// field ties one zoo.cfg key to its Config field in both directions, so the parser and the
// writer cannot drift apart. The order of fields is the order Marshal writes them in.
type field struct {
	key string
	// set parses value into c and may return a warning.
	set func(c *Config, value string) (string, error)
	// get returns the text to write and whether to write it (false when it equals the default
	// Parse would fill in).
	get func(c *Config) (string, bool)
}

var fields = []field{
	intField("tickTime", func(c *Config) *int { return &c.TickTime }, 1, math.MaxInt32, always),
	intField("initLimit", func(c *Config) *int { return &c.InitLimit }, 0, math.MaxInt32, nonZero),
	intField("syncLimit", func(c *Config) *int { return &c.SyncLimit }, 0, math.MaxInt32, nonZero),
	stringField("dataDir", func(c *Config) *string { return &c.DataDir }, func(c *Config) bool { return true }),
	stringField("dataLogDir", func(c *Config) *string { return &c.DataLogDir },
		func(c *Config) bool { return c.DataLogDir != "" && c.DataLogDir != c.DataDir }),
	intField("clientPort", func(c *Config) *int { return &c.ClientPort }, 1, 65535, nonZero),
	stringField("clientPortAddress", func(c *Config) *string { return &c.ClientPortAddress },
		func(c *Config) bool { return c.ClientPortAddress != "" }),
	intField("secureClientPort", func(c *Config) *int { return &c.SecureClientPort }, 1, 65535, nonZero),
	intField("maxClientCnxns", func(c *Config) *int { return &c.MaxClientCnxns }, 0, math.MaxInt32,
		notDefault(DefaultMaxClientCnxns)),
	intField("minSessionTimeout", func(c *Config) *int { return &c.MinSessionTimeout }, -1, math.MaxInt32, notDefault(-1)),
	intField("maxSessionTimeout", func(c *Config) *int { return &c.MaxSessionTimeout }, -1, math.MaxInt32, notDefault(-1)),
	{
		key: "autopurge.snapRetainCount",
		set: func(c *Config, v string) (string, error) {
			n, err := parseInt(v, math.MinInt32, math.MaxInt32)
			if err != nil {
				return "", err
			}
			c.AutopurgeSnapRetainCount = n
			if n < MinAutopurgeSnapRetainCount {
				// QuorumPeerConfig resets it with a warning: PurgeTxnLog keeps at least 3.
				c.AutopurgeSnapRetainCount = MinAutopurgeSnapRetainCount
				return fmt.Sprintf("%d is below the minimum; using %d", n, MinAutopurgeSnapRetainCount), nil
			}
			return "", nil
		},
		get: intGetter(func(c *Config) int { return c.AutopurgeSnapRetainCount }, notDefault(DefaultAutopurgeSnapRetainCount)),
	},
	intField("autopurge.purgeInterval", func(c *Config) *int { return &c.AutopurgePurgeIntervalHours }, 0, math.MaxInt32, nonZero),
	{
		key: "snapCount",
		set: func(c *Config, v string) (string, error) {
			n, err := parseInt(v, math.MinInt32, math.MaxInt32)
			if err != nil {
				return "", err
			}
			c.SnapCount = n
			if n < MinSnapCount {
				// ZooKeeperServer.getSnapCount resets it with a warning.
				c.SnapCount = MinSnapCount
				return fmt.Sprintf("%d is below the minimum; using %d", n, MinSnapCount), nil
			}
			return "", nil
		},
		get: intGetter(func(c *Config) int { return c.SnapCount }, notDefault(DefaultSnapCount)),
	},
	boolField("standaloneEnabled", func(c *Config) *bool { return &c.StandaloneEnabled }, true),
	boolField("reconfigEnabled", func(c *Config) *bool { return &c.ReconfigEnabled }, false),
	stringField("dynamicConfigFile", func(c *Config) *string { return &c.DynamicConfigFile },
		func(c *Config) bool { return c.DynamicConfigFile != "" }),
	{
		key: "metricsProvider.className",
		set: func(c *Config, v string) (string, error) {
			c.MetricsProviderClassName = v
			switch v {
			case PrometheusMetricsProvider, DefaultMetricsProvider:
				return "", nil
			}
			return "a metrics provider zkensemble does not implement; no metrics endpoint (only " + PrometheusMetricsProvider + ")", nil
		},
		get: func(c *Config) (string, bool) { return c.MetricsProviderClassName, c.MetricsProviderClassName != "" },
	},
	stringField("metricsProvider.httpHost", func(c *Config) *string { return &c.MetricsHTTPHost },
		func(c *Config) bool { return c.MetricsHTTPHost != "" }),
	intField("metricsProvider.httpPort", func(c *Config) *int { return &c.MetricsHTTPPort }, 1, 65535, nonZero),
	stringField("4lw.commands.whitelist", func(c *Config) *string { return &c.FourLetterWordWhitelist },
		func(c *Config) bool { return c.FourLetterWordWhitelist != DefaultFourLetterWordWhitelist }),
	{
		key: "peerType",
		set: func(c *Config, v string) (string, error) {
			t, err := parseLearnerType(v)
			c.PeerType = t
			return "", err
		},
		get: func(c *Config) (string, bool) { return c.PeerType.String(), c.PeerType != Participant },
	},
	{
		key: "electionPortBindRetry",
		set: func(c *Config, v string) (string, error) {
			n, err := parseInt(v, math.MinInt32, math.MaxInt32)
			if err != nil {
				return "", err
			}
			c.ElectionPortBindRetry = n
			if n < 0 {
				// QuorumCnxManager.Listener falls back to the default for a negative value.
				c.ElectionPortBindRetry = DefaultElectionPortBindRetry
				return fmt.Sprintf("%d is negative; using %d", n, DefaultElectionPortBindRetry), nil
			}
			return "", nil
		},
		get: intGetter(func(c *Config) int { return c.ElectionPortBindRetry }, notDefault(DefaultElectionPortBindRetry)),
	},
	boolField("quorumListenOnAllIPs", func(c *Config) *bool { return &c.QuorumListenOnAllIPs }, false),
	{
		key: "forceSync",
		set: func(c *Config, v string) (string, error) {
			// FileTxnLog treats everything but "no" as yes, so forceSync=false would silently
			// keep fsync on; we refuse anything but yes/no instead.
			switch v {
			case "yes":
				c.ForceSync = true
			case "no":
				c.ForceSync = false
			default:
				return "", fmt.Errorf("%w: %q (forceSync takes yes or no)", ErrNotBool, v)
			}
			return "", nil
		},
		get: func(c *Config) (string, bool) {
			if c.ForceSync {
				return "yes", false
			}
			return "no", true
		},
	},
	intField("jute.maxbuffer", func(c *Config) *int { return &c.JuteMaxBuffer }, 1, math.MaxInt32, notDefault(DefaultJuteMaxBuffer)),
	boolField("extendedTypesEnabled", func(c *Config) *bool { return &c.ExtendedTypesEnabled }, false),
	{
		key: "DigestAuthenticationProvider.superDigest",
		set: func(c *Config, v string) (string, error) {
			if user, digest, ok := strings.Cut(v, ":"); !ok || user == "" || digest == "" {
				return "", fmt.Errorf("%w: superDigest %q is not user:base64digest", ErrInvalid, v)
			}
			c.SuperDigest = v
			return "", nil
		},
		get: func(c *Config) (string, bool) { return c.SuperDigest, c.SuperDigest != "" },
	},
}

var fieldByKey = func() map[string]field {
	m := make(map[string]field, len(fields))
	for _, f := range fields {
		m[f.key] = f
	}
	return m
}()

func always(int, *Config) bool      { return true }
func nonZero(v int, _ *Config) bool { return v != 0 }
func notDefault(d int) func(int, *Config) bool {
	return func(v int, _ *Config) bool { return v != d }
}

// parseInt reads a decimal Java int: Integer.parseInt accepts an optional sign and nothing else.
func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrNotNumber, v)
	}
	if int(n) < lo || int(n) > hi {
		return 0, fmt.Errorf("%w: %d must be %d..%d", ErrOutOfRange, n, lo, hi)
	}
	return int(n), nil
}

func intField(key string, ptr func(*Config) *int, lo, hi int, write func(int, *Config) bool) field {
	return field{
		key: key,
		set: func(c *Config, v string) (string, error) {
			n, err := parseInt(v, lo, hi)
			if err != nil {
				return "", err
			}
			*ptr(c) = n
			return "", nil
		},
		get: intGetter(func(c *Config) int { return *ptr(c) }, write),
	}
}

func intGetter(val func(*Config) int, write func(int, *Config) bool) func(*Config) (string, bool) {
	return func(c *Config) (string, bool) {
		v := val(c)
		return strconv.Itoa(v), write(v, c)
	}
}

func stringField(key string, ptr func(*Config) *string, write func(*Config) bool) field {
	return field{
		key: key,
		set: func(c *Config, v string) (string, error) {
			*ptr(c) = v
			return "", nil
		},
		get: func(c *Config) (string, bool) { return *ptr(c), write(c) },
	}
}

// boolField reads true/false in any case, as QuorumPeerConfig.parseBoolean does.
func boolField(key string, ptr func(*Config) *bool, def bool) field {
	return field{
		key: key,
		set: func(c *Config, v string) (string, error) {
			switch strings.ToLower(v) {
			case "true":
				*ptr(c) = true
			case "false":
				*ptr(c) = false
			default:
				return "", fmt.Errorf("%w: %q (true or false)", ErrNotBool, v)
			}
			return "", nil
		},
		get: func(c *Config) (string, bool) { return strconv.FormatBool(*ptr(c)), *ptr(c) != def },
	}
}
