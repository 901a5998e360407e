package zoocfg

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stockShaped has the shape of the zoo_sample.cfg that ships with ZooKeeper: comment blocks,
// commented-out options, blank comment lines.
const stockShaped = `# milliseconds per tick
tickTime=2000
# ticks the initial sync may take
initLimit=10
# ticks between request and ack
syncLimit=5
# snapshots go here
dataDir=/tmp/zookeeper
# clients connect here
clientPort=2181
#maxClientCnxns=60
#
#autopurge.snapRetainCount=3
#autopurge.purgeInterval=1

## Metrics Providers
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
`

func TestParseStockShaped(t *testing.T) {
	c, warns, err := Parse([]byte(stockShaped))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	want := Default()
	want.TickTime, want.InitLimit, want.SyncLimit = 2000, 10, 5
	want.DataDir, want.DataLogDir, want.ClientPort = "/tmp/zookeeper", "/tmp/zookeeper", 2181
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if c.EffectiveMinSessionTimeout() != 4000 || c.EffectiveMaxSessionTimeout() != 40000 {
		t.Errorf("session timeouts %d/%d, want 4000/40000", c.EffectiveMinSessionTimeout(), c.EffectiveMaxSessionTimeout())
	}
	if c.Distributed() {
		t.Error("standalone config reported as distributed")
	}
}

// TestParseInstalledSample parses the sample config of the installed ZooKeeper unmodified
// (Debian ships zoo_sample.cfg as conf_example/zoo.cfg).
func TestParseInstalledSample(t *testing.T) {
	for _, path := range []string{"/etc/zookeeper/conf_example/zoo.cfg", "/usr/share/zookeeper/conf/zoo_sample.cfg"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Logf("skip %s: %v", path, err)
			continue
		}
		c, _, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if c.TickTime != 2000 || c.ClientPort != 2181 || c.DataDir == "" {
			t.Errorf("%s: unexpected %+v", path, c)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, _, err := Parse([]byte("dataDir=/d\n"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"TickTime", c.TickTime, 3000},
		{"MaxClientCnxns", c.MaxClientCnxns, 60},
		{"MinSessionTimeout", c.EffectiveMinSessionTimeout(), 6000},
		{"MaxSessionTimeout", c.EffectiveMaxSessionTimeout(), 60000},
		{"SnapCount", c.SnapCount, 100000},
		{"AutopurgeSnapRetainCount", c.AutopurgeSnapRetainCount, 3},
		{"AutopurgePurgeIntervalHours", c.AutopurgePurgeIntervalHours, 0},
		{"StandaloneEnabled", c.StandaloneEnabled, true},
		{"ReconfigEnabled", c.ReconfigEnabled, false},
		{"FourLetterWordWhitelist", c.FourLetterWordWhitelist, "srvr"},
		{"PeerType", c.PeerType, Participant},
		{"ElectionPortBindRetry", c.ElectionPortBindRetry, 3},
		{"ForceSync", c.ForceSync, true},
		{"JuteMaxBuffer", c.JuteMaxBuffer, 0xfffff},
		{"DataLogDir", c.DataLogDir, "/d"},
		{"EffectiveDataLogDir", c.EffectiveDataLogDir(), "/d"},
		{"ClientPort", c.ClientPort, 0},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

// full sets every field away from its default.
const full = `tickTime=1000
initLimit=7
syncLimit=3
dataDir=/var/lib/zk/data
dataLogDir=/var/lib/zk/log
clientPort=2191
clientPortAddress=10.0.0.1
secureClientPort=2281
maxClientCnxns=0
minSessionTimeout=1500
maxSessionTimeout=90000
autopurge.snapRetainCount=5
autopurge.purgeInterval=24
snapCount=5000
standaloneEnabled=false
reconfigEnabled=true
4lw.commands.whitelist=srvr, ruok ,mntr
peerType=observer
electionPortBindRetry=0
quorumListenOnAllIPs=TRUE
forceSync=no
jute.maxbuffer=4194304
extendedTypesEnabled=true
DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
audit.enable=false
admin.enableServer=false
my.custom=x y
server.3=zk-2.zk.ns.svc:2888:3888:observer;2181
server.1=zk-0.zk.ns.svc:2888:3888;10.0.0.1:2191
server.2=[fd00::2]:2888:3888:participant;[fd00::2]:2181
group.1=1:2:3
weight.1=1
weight.2=1
weight.3=0
`

func TestParseFull(t *testing.T) {
	c, warns, err := Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		TickTime: 1000, InitLimit: 7, SyncLimit: 3,
		DataDir: "/var/lib/zk/data", DataLogDir: "/var/lib/zk/log",
		ClientPort: 2191, ClientPortAddress: "10.0.0.1", SecureClientPort: 2281,
		MaxClientCnxns: 0, MinSessionTimeout: 1500, MaxSessionTimeout: 90000,
		AutopurgeSnapRetainCount: 5, AutopurgePurgeIntervalHours: 24, SnapCount: 5000,
		StandaloneEnabled: false, ReconfigEnabled: true,
		FourLetterWordWhitelist: "srvr, ruok ,mntr", PeerType: Observer,
		ElectionPortBindRetry: 0, QuorumListenOnAllIPs: true, ForceSync: false,
		JuteMaxBuffer: 4194304, ExtendedTypesEnabled: true,
		SuperDigest: "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		Servers: []ServerLine{
			{ID: 1, Host: "zk-0.zk.ns.svc", QuorumPort: 2888, ElectionPort: 3888, Type: Participant, ClientHost: "10.0.0.1", ClientPort: 2191},
			{ID: 2, Host: "fd00::2", QuorumPort: 2888, ElectionPort: 3888, Type: Participant, ClientHost: "fd00::2", ClientPort: 2181},
			{ID: 3, Host: "zk-2.zk.ns.svc", QuorumPort: 2888, ElectionPort: 3888, Type: Observer, ClientPort: 2181},
		},
		Groups:  map[int64]string{1: "1:2:3"},
		Weights: map[int64]string{1: "1", 2: "1", 3: "0"},
		Other:   map[string]string{"audit.enable": "false", "admin.enableServer": "false", "my.custom": "x y"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if !c.Distributed() {
		t.Error("two participants with standaloneEnabled=false must be distributed")
	}
	keys := map[string]bool{}
	for _, w := range warns {
		keys[w.Key] = true
	}
	for _, k := range []string{"audit.enable", "my.custom", "server"} {
		if !keys[k] {
			t.Errorf("no warning for %s in %v", k, warns)
		}
	}
	if keys["admin.enableServer"] {
		t.Errorf("a warning for admin.enableServer, which the AdminServer reads: %v", warns)
	}
}

func TestRoundTrip(t *testing.T) {
	inputs := map[string]string{
		"stock":      stockShaped,
		"full":       full,
		"minimal":    "dataDir=/d\n",
		"escapes":    "dataDir=/d\\\\x\nweird\\ key\\=1=  value with \\t tab\n",
		"dataLogDir": "dataDir=/d\ndataLogDir=/d\n",
		"dynamic":    "dataDir=/d\ndynamicConfigFile=/conf/zoo.cfg.dynamic.100000000\n",
		"defaults written out": "tickTime=3000\ndataDir=/d\nmaxClientCnxns=60\nsnapCount=100000\nforceSync=yes\n" +
			"standaloneEnabled=true\n4lw.commands.whitelist=srvr\npeerType=participant\n",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			c, _, err := Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			out := c.Marshal()
			c2, _, err := Parse(out)
			if err != nil {
				t.Fatalf("reparse of\n%s: %v", out, err)
			}
			if !reflect.DeepEqual(c, c2) {
				t.Fatalf("round trip changed the config\nmarshal:\n%s\nbefore %+v\nafter  %+v", out, c, c2)
			}
			if out2 := c2.Marshal(); string(out2) != string(out) {
				t.Fatalf("Marshal not stable:\n%s\n---\n%s", out, out2)
			}
		})
	}
}

func TestMarshalShape(t *testing.T) {
	c := Default()
	c.DataDir = "/data"
	c.ClientPort = 2181
	c.InitLimit, c.SyncLimit = 10, 5
	c.TickTime = 2000
	c.FourLetterWordWhitelist = "*"
	c.Other = map[string]string{"b": "2", "a": "1"}
	c.Servers = []ServerLine{
		{ID: 2, Host: "zk-1", QuorumPort: 2888, ElectionPort: 3888},
		{ID: 1, Host: "zk-0", QuorumPort: 2888, ElectionPort: 3888, ClientPort: 2181},
	}
	want := `tickTime=2000
initLimit=10
syncLimit=5
dataDir=/data
clientPort=2181
4lw.commands.whitelist=*
a=1
b=2
server.1=zk-0:2888:3888:participant;2181
server.2=zk-1:2888:3888:participant
`
	if got := string(c.Marshal()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	c.DynamicConfigFile = "/conf/dyn"
	if got := string(c.Marshal()); strings.Contains(got, "server.") {
		t.Fatalf("server lines written to a static file that names a dynamic file:\n%s", got)
	}
}

func TestParseErrors(t *testing.T) {
	const base = "dataDir=/d\n"
	const ensemble = "dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n"
	tests := []struct {
		name     string
		in       string
		want     error
		wantLine int // 0 = not a KeyError
	}{
		{"no dataDir", "tickTime=2000\n", ErrMissing, 0},
		{"tickTime zero", base + "tickTime=0\n", ErrOutOfRange, 2},
		{"tickTime negative", base + "tickTime=-5\n", ErrOutOfRange, 2},
		{"tickTime text", base + "tickTime=2s\n", ErrNotNumber, 2},
		{"tickTime overflow", base + "tickTime=3000000000\n", ErrNotNumber, 2},
		{"initLimit negative", base + "initLimit=-1\n", ErrOutOfRange, 2},
		{"clientPort too big", base + "clientPort=70000\n", ErrOutOfRange, 2},
		{"clientPort zero", base + "clientPort=0\n", ErrOutOfRange, 2},
		{"clientPort text", base + "clientPort=twentyone\n", ErrNotNumber, 2},
		{"secureClientPort negative", base + "secureClientPort=-1\n", ErrOutOfRange, 2},
		{"maxClientCnxns negative", base + "maxClientCnxns=-1\n", ErrOutOfRange, 2},
		{"min above max session", base + "minSessionTimeout=5000\nmaxSessionTimeout=4000\n", ErrInvalid, 0},
		{"min above default max", base + "tickTime=100\nminSessionTimeout=5000\n", ErrInvalid, 0},
		{"clientPortAddress without port", base + "clientPortAddress=127.0.0.1\n", ErrInvalid, 0},
		{"bad bool", base + "standaloneEnabled=yes\n", ErrNotBool, 2},
		{"forceSync false", base + "forceSync=false\n", ErrNotBool, 2},
		{"bad peerType", base + "peerType=voter\n", ErrInvalid, 2},
		{"purge negative", base + "autopurge.purgeInterval=-1\n", ErrOutOfRange, 2},
		{"jute.maxbuffer zero", base + "jute.maxbuffer=0\n", ErrOutOfRange, 2},
		{"bad superDigest", base + "DigestAuthenticationProvider.superDigest=nocolon\n", ErrInvalid, 2},
		{"bad escape", base + "k=\\u00zz\n", ErrSyntax, 0},
		{"server bad format", base + "server.1=a:1\n", ErrServerLine, 2},
		{"server bad id", base + "server.x=a:1:2\n", ErrNotNumber, 2},
		{"server id zero", base + "server.0=a:1:2\n", ErrOutOfRange, 2},
		{"server id too big", base + "server.256=a:1:2\n", ErrOutOfRange, 2},
		{"server port range", base + "server.1=a:1:99999\n", ErrOutOfRange, 2},
		{"server port text", base + "server.1=a:b:2\n", ErrNotNumber, 2},
		{"server same ports", base + "server.1=a:1:1\n", ErrServerLine, 2},
		{"server bad type", base + "server.1=a:1:2:voter\n", ErrServerLine, 2},
		{"server duplicate", base + "server.1=a:1:2\nserver.01=b:1:2\n", ErrDuplicateServer, 3},
		{"server duplicate key", base + "server.1=a:1:2\nserver.1=b:1:2\n", ErrDuplicateServer, 3},
		{"server in static with dynamic", base + "dynamicConfigFile=/x\nserver.1=a:1:2\n", ErrDynamicKey, 3},
		{"group in static with dynamic", base + "group.1=1\ndynamicConfigFile=/x\n", ErrDynamicKey, 2},
		{"group bad id", base + "group.x=1\n", ErrNotNumber, 2},
		{"ensemble without initLimit", ensemble + "syncLimit=2\n", ErrMissing, 0},
		{"ensemble without syncLimit", ensemble + "initLimit=2\n", ErrMissing, 0},
		{"observers only", base + "server.1=a:1:2:observer\n", ErrInvalid, 0},
		{"observer with single participant", base + "server.1=a:1:2\nserver.2=b:1:2:observer\n", ErrInvalid, 0},
		{"standalone disabled without participants", base + "standaloneEnabled=false\nserver.1=a:1:2:observer\n", ErrInvalid, 0},
		{"id 255 with extended types", base + "extendedTypesEnabled=true\nserver.255=a:1:2\n", ErrOutOfRange, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := Parse([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %+v, %v; want %v", c, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "zoocfg: ") && !strings.Contains(err.Error(), "zoocfg: ") {
				t.Errorf("error %q does not name the package", err)
			}
			var ke *KeyError
			if tc.wantLine != 0 {
				if !errors.As(err, &ke) || ke.Line != tc.wantLine {
					t.Fatalf("error %v: want a KeyError on line %d", err, tc.wantLine)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		key     string
		check   func(*Config) bool
		message string
	}{
		{"snapRetainCount clamped", "dataDir=/d\nautopurge.snapRetainCount=1\n", "autopurge.snapRetainCount",
			func(c *Config) bool { return c.AutopurgeSnapRetainCount == 3 }, "minimum"},
		{"snapCount clamped", "dataDir=/d\nsnapCount=1\n", "snapCount",
			func(c *Config) bool { return c.SnapCount == 2 }, "minimum"},
		{"negative bind retry", "dataDir=/d\nelectionPortBindRetry=-4\n", "electionPortBindRetry",
			func(c *Config) bool { return c.ElectionPortBindRetry == 3 }, "negative"},
		{"duplicate key", "dataDir=/a\ndataDir=/b\n", "dataDir",
			func(c *Config) bool { return c.DataDir == "/b" }, "last value wins"},
		{"unknown key", "dataDir=/d\nfoo.bar=1\n", "foo.bar",
			func(c *Config) bool { return c.Other["foo.bar"] == "1" }, "zookeeper.foo.bar"},
		{"zk key not implemented", "dataDir=/d\njvm.pause.warn-threshold-ms=10000\n", "jvm.pause.warn-threshold-ms",
			func(c *Config) bool { return c.Other["jvm.pause.warn-threshold-ms"] == "10000" }, "does not implement"},
		{"relative dataDir", "dataDir=data\n", "dataDir",
			func(c *Config) bool { return c.DataDir == "data" }, "relative"},
		{"single server line", "dataDir=/d\nserver.1=a:1:2\n", "server.1",
			func(c *Config) bool { return !c.Distributed() }, "standalone"},
		{"even ensemble", "dataDir=/d\ninitLimit=1\nsyncLimit=1\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2\n",
			"server", func(c *Config) bool { return c.Distributed() }, "odd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, warns, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("config check failed: %+v", c)
			}
			for _, w := range warns {
				if w.Key == tc.key && strings.Contains(w.Message, tc.message) {
					return
				}
			}
			t.Errorf("no warning on %s containing %q in %v", tc.key, tc.message, warns)
		})
	}
}

func TestClientListenAddress(t *testing.T) {
	tests := []struct {
		name string
		cfg  string
		myID int64
		want string
		err  error
	}{
		{"static only", "dataDir=/d\nclientPort=2181\n", 0, ":2181", nil},
		{"static address", "dataDir=/d\nclientPort=2181\nclientPortAddress=127.0.0.1\n", 0, "127.0.0.1:2181", nil},
		{"line wins", "dataDir=/d\nserver.1=a:1:2;10.0.0.1:2182\n", 1, "10.0.0.1:2182", nil},
		{"line port only", "dataDir=/d\nserver.1=a:1:2;2182\n", 1, ":2182", nil},
		{"line agrees with wildcard static", "dataDir=/d\nclientPort=2182\nserver.1=a:1:2;10.0.0.1:2182\n", 1, "10.0.0.1:2182", nil},
		{"conflict", "dataDir=/d\nclientPort=2181\nserver.1=a:1:2;2182\n", 1, "", ErrInvalid},
		{"host conflict", "dataDir=/d\nclientPort=2182\nclientPortAddress=10.0.0.2\nserver.1=a:1:2;10.0.0.1:2182\n", 1, "", ErrInvalid},
		{"nothing", "dataDir=/d\nserver.1=a:1:2\n", 1, "", ErrMissing},
		{"ipv6", "dataDir=/d\nserver.1=a:1:2;[::1]:2181\n", 1, "[::1]:2181", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := Parse([]byte(tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ClientListenAddress(tc.myID)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestValidateBuiltConfig(t *testing.T) {
	c := Default()
	if err := c.Validate(); !errors.Is(err, ErrMissing) {
		t.Fatalf("Validate without dataDir = %v", err)
	}
	c.DataDir = "/d"
	c.Servers = []ServerLine{{ID: 1, Host: "a", QuorumPort: 1, ElectionPort: 2}, {ID: 1, Host: "b", QuorumPort: 1, ElectionPort: 2}}
	if err := c.Validate(); !errors.Is(err, ErrDuplicateServer) {
		t.Fatalf("Validate with duplicate ids = %v", err)
	}
	c.Servers = nil
	c.ClientPort = 70000
	if err := c.Validate(); !errors.Is(err, ErrOutOfRange) {
		t.Fatalf("Validate with port 70000 = %v", err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts survives Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{stockShaped, full, "dataDir=/d\n", "dataDir=/d\\\n  x\n", "dataDir=\\u0041\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Parse(data)
		if err != nil {
			return
		}
		out := c.Marshal()
		c2, _, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse failed: %v\ninput %q\nmarshal %q", err, data, out)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed config\ninput %q\nmarshal %q\n%+v\n%+v", data, out, c, c2)
		}
	})
}
