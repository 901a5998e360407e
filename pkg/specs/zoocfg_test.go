package specs

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/topology"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func TestZooCfgDefaultEnsemble(t *testing.T) {
	got, err := ZooCfg(ensemble(nil), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := `tickTime=2000
initLimit=10
syncLimit=5
dataDir=/data
clientPort=2181
autopurge.purgeInterval=1
standaloneEnabled=false
4lw.commands.whitelist=srvr,ruok,mntr
server.1=zk-0.zk-headless.prod.svc.cluster.local:2888:3888:participant;zk-0.zk-headless.prod.svc.cluster.local:2181
server.2=zk-1.zk-headless.prod.svc.cluster.local:2888:3888:participant;zk-1.zk-headless.prod.svc.cluster.local:2181
server.3=zk-2.zk-headless.prod.svc.cluster.local:2888:3888:participant;zk-2.zk-headless.prod.svc.cluster.local:2181
`
	if got != want {
		t.Errorf("ZooCfg =\n%s\nwant\n%s", got, want)
	}
}

// TestZooCfgRoundTrip checks the one-source-of-truth rule: what the server parses from the
// ConfigMap is exactly the Config the operator built, for every shape of spec.
func TestZooCfgRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*v1alpha1.ZKEnsemble)
		opts    Options
		servers []string // expected server lines, "server.N=value"
		check   func(t *testing.T, c *zoocfg.Config)
	}{
		{
			name: "one member, custom domain",
			edit: func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 1 },
			opts: Options{DefaultImage: "img", ClusterDomain: "corp.example"},
			servers: []string{
				"server.1=zk-0.zk-headless.prod.svc.corp.example:2888:3888:participant;zk-0.zk-headless.prod.svc.corp.example:2181",
			},
			check: func(t *testing.T, c *zoocfg.Config) {
				// standaloneEnabled=false: an ensemble of one stays in quorum mode.
				if !c.Distributed() {
					t.Error("one-member ensemble parses as standalone; want quorum mode")
				}
			},
		},
		{
			name: "seven members, custom ports",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Replicas = 7
				z.Spec.Ports = v1alpha1.PortsSpec{Client: 12181, Quorum: 12888, Election: 13888}
			},
			opts: testOpts,
			servers: []string{
				"server.1=zk-0.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-0.zk-headless.prod.svc.cluster.local:12181",
				"server.2=zk-1.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-1.zk-headless.prod.svc.cluster.local:12181",
				"server.3=zk-2.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-2.zk-headless.prod.svc.cluster.local:12181",
				"server.4=zk-3.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-3.zk-headless.prod.svc.cluster.local:12181",
				"server.5=zk-4.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-4.zk-headless.prod.svc.cluster.local:12181",
				"server.6=zk-5.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-5.zk-headless.prod.svc.cluster.local:12181",
				"server.7=zk-6.zk-headless.prod.svc.cluster.local:12888:13888:participant;zk-6.zk-headless.prod.svc.cluster.local:12181",
			},
			check: func(t *testing.T, c *zoocfg.Config) {
				addr, err := c.ClientListenAddress(4)
				if err != nil || addr != "zk-3.zk-headless.prod.svc.cluster.local:12181" {
					t.Errorf("ClientListenAddress(4) = %q, %v; want the member's own host:12181", addr, err)
				}
			},
		},
		{
			name: "user overrides",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{
					"tickTime":                     "3000",
					"initLimit":                    "20",
					"syncLimit":                    "7",
					"maxClientCnxns":               "0",
					"autopurge.purgeInterval":      "0",
					"4lw.commands.whitelist":       "stat, ruok",
					"jute.maxbuffer":               "4194304",
					"znode.container.maxPerMinute": "500",
					"my.property":                  `C:\dir with spaces`,
				}
			},
			opts: testOpts,
			check: func(t *testing.T, c *zoocfg.Config) {
				if c.TickTime != 3000 || c.InitLimit != 20 || c.SyncLimit != 7 || c.MaxClientCnxns != 0 ||
					c.AutopurgePurgeIntervalHours != 0 || c.JuteMaxBuffer != 4194304 {
					t.Errorf("overrides not applied: %+v", c)
				}
				if c.FourLetterWordWhitelist != "stat,ruok,srvr,mntr" {
					t.Errorf("whitelist = %q, want the user's words plus srvr and mntr", c.FourLetterWordWhitelist)
				}
				if c.Other["znode.container.maxPerMinute"] != "500" {
					t.Errorf("Other = %v", c.Other)
				}
				// Values are literal: the backslash survives the properties syntax.
				if c.Other["my.property"] != `C:\dir with spaces` {
					t.Errorf("my.property = %q", c.Other["my.property"])
				}
			},
		},
		{
			name: "metrics",
			edit: func(z *v1alpha1.ZKEnsemble) {
				z.Spec.Metrics.Enabled = true
				z.Spec.Ports.Metrics = 9141
			},
			opts: testOpts,
			check: func(t *testing.T, c *zoocfg.Config) {
				// ZooKeeper's own keys, so the zoo.cfg means the same to both servers.
				if c.MetricsHTTPPort != 9141 || c.MetricsProviderClassName != zoocfg.PrometheusMetricsProvider || c.MetricsHTTPHost != "" {
					t.Errorf("metrics keys = %q %q %d", c.MetricsProviderClassName, c.MetricsHTTPHost, c.MetricsHTTPPort)
				}
				text := string(c.Marshal())
				if !strings.Contains(text, "metricsProvider.className="+zoocfg.PrometheusMetricsProvider+"\n") || !strings.Contains(text, "metricsProvider.httpPort=9141\n") {
					t.Errorf("zoo.cfg lacks the metrics keys:\n%s", text)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := ensemble(tt.edit)
			built, _, err := ZooCfgConfig(zke, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			text, err := ZooCfg(zke, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			parsed, _, err := zoocfg.Parse([]byte(text))
			if err != nil {
				t.Fatalf("the server would refuse the operator's zoo.cfg: %v\n%s", err, text)
			}
			if !reflect.DeepEqual(parsed, built) {
				t.Errorf("Parse(ZooCfg) differs from the Config built:\nparsed %+v\nbuilt  %+v\ntext:\n%s", parsed, built, text)
			}
			if tt.servers != nil {
				var got []string
				for _, s := range parsed.Servers {
					got = append(got, s.String())
				}
				if !reflect.DeepEqual(got, tt.servers) {
					t.Errorf("servers =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.servers, "\n"))
				}
			}
			// Each member finds its own line from its pod name.
			for ord := 0; ord < len(parsed.Servers); ord++ {
				id, err := topology.MyIDFromPodName(PodName(zke, ord))
				if err != nil {
					t.Fatal(err)
				}
				s, ok := parsed.Server(id)
				if !ok || !strings.HasPrefix(s.Host, PodName(zke, ord)+".") {
					t.Errorf("pod %s (id %d) has line %+v", PodName(zke, ord), id, s)
				}
			}
			if tt.check != nil {
				tt.check(t, parsed)
			}
		})
	}
}

func TestZooCfgRefuses(t *testing.T) {
	withKey := func(k, v string) func(*v1alpha1.ZKEnsemble) {
		return func(z *v1alpha1.ZKEnsemble) {
			z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{k: v1alpha1.ZooCfgValue(v)}
		}
	}
	tests := []struct {
		name string
		edit func(*v1alpha1.ZKEnsemble)
		opts Options
		want []error
	}{
		{"server line", withKey("server.4", "h:1:2"), testOpts, []error{ErrOwnedKey}},
		{"weight", withKey("weight.1", "1"), testOpts, []error{ErrOwnedKey}},
		{"metrics provider", withKey("metricsProvider.httpPort", "1"), testOpts, []error{ErrOwnedKey}},
		{"key with separator", withKey("tick Time", "1"), testOpts, []error{ErrConfigKey}},
		{"key with equals", withKey("a=b", "1"), testOpts, []error{ErrConfigKey}},
		{"comment key", withKey("#x", "1"), testOpts, []error{ErrConfigKey}},
		{"value with line break", withKey("tickTime", "2000\nserver.9=evil:1:2"), testOpts, []error{ErrInvalidSpec}},
		{"number", withKey("tickTime", "fast"), testOpts, []error{ErrInvalidConfig, zoocfg.ErrNotNumber}},
		{"range", withKey("maxSessionTimeout", "100"), testOpts, []error{ErrInvalidConfig, zoocfg.ErrInvalid}},
		{"bool", withKey("extendedTypesEnabled", "yes"), testOpts, []error{ErrInvalidConfig, zoocfg.ErrNotBool}},
		{"no namespace", func(z *v1alpha1.ZKEnsemble) { z.Namespace = "" }, testOpts, []error{ErrInvalidSpec}},
		{"no image", nil, Options{}, []error{ErrInvalidSpec}},
		{"too many replicas", func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 9 }, testOpts, []error{ErrInvalidSpec}},
		{"zero size", func(z *v1alpha1.ZKEnsemble) {
			zero := resource.MustParse("0")
			z.Spec.Storage.Size = &zero
		}, testOpts, []error{ErrInvalidSpec}},
	}
	for _, k := range v1alpha1.OwnedConfigKeys {
		tests = append(tests, struct {
			name string
			edit func(*v1alpha1.ZKEnsemble)
			opts Options
			want []error
		}{"owned " + k, withKey(k, "1"), testOpts, []error{ErrOwnedKey}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := ZooCfg(ensemble(tt.edit), tt.opts)
			if err == nil {
				t.Fatalf("accepted:\n%s", text)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v; want it to wrap %v", err, w)
				}
			}
		})
	}
}

// maxSessionTimeout=5000 is valid with the operator's tickTime (2000: min 4000) but not with
// ZooKeeper's (3000: min 6000); the check must use the tickTime the members get.
func TestZooCfgCrossKeyUsesOperatorDefaults(t *testing.T) {
	zke := ensemble(func(z *v1alpha1.ZKEnsemble) {
		z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"maxSessionTimeout": "5000"}
	})
	c, _, err := ZooCfgConfig(zke, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if c.TickTime != 2000 || c.EffectiveMaxSessionTimeout() != 5000 {
		t.Errorf("tickTime %d maxSessionTimeout %d", c.TickTime, c.EffectiveMaxSessionTimeout())
	}
}

func TestZooCfgWarnings(t *testing.T) {
	zke := ensemble(func(z *v1alpha1.ZKEnsemble) {
		z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"snapCount": "1", "tickTime": "2000"}
	})
	_, warns, err := ZooCfgConfig(zke, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Key != "snapCount" {
		t.Errorf("warnings = %v; want exactly the snapCount correction", warns)
	}
}

func TestWithRequiredWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"srvr", "srvr,ruok,mntr"}, // ZooKeeper's default when the user sets nothing
		{"*", "*"},
		{"stat, *", "*"},
		{"mntr,ruok,srvr", "mntr,ruok,srvr"},
		{" conf ,,wchs,conf", "conf,wchs,ruok,srvr,mntr"},
		{"", "ruok,srvr,mntr"},
	}
	for _, tt := range tests {
		if got := withRequiredWords(tt.in); got != tt.want {
			t.Errorf("withRequiredWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfigHash(t *testing.T) {
	a, b := ConfigHash("tickTime=2000\n"), ConfigHash("tickTime=2001\n")
	if a == b || len(a) != 16 || a != ConfigHash("tickTime=2000\n") {
		t.Errorf("ConfigHash not a stable 16-hex digest that tells texts apart: %q %q", a, b)
	}
}
