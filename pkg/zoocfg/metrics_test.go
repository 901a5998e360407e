package zoocfg

import (
	"errors"
	"strings"
	"testing"
)

func TestMetricsProviderKeys(t *testing.T) {
	base := "tickTime=2000\ndataDir=/d\nclientPort=2181\n"
	tests := []struct {
		name       string
		extra      string
		prometheus bool
		host       string
		port       int
		warning    string // part of the only warning; "" for none
		err        error
	}{
		{"none", "", false, "", 7000, "", nil},
		{"prometheus with defaults", "metricsProvider.className=" + PrometheusMetricsProvider + "\n", true, "", 7000, "", nil},
		{"prometheus on a host and port", "metricsProvider.className=" + PrometheusMetricsProvider + "\nmetricsProvider.httpHost=127.0.0.5\nmetricsProvider.httpPort=7001\n",
			true, "127.0.0.5", 7001, "", nil},
		{"the default provider", "metricsProvider.className=" + DefaultMetricsProvider + "\n", false, "", 7000, "", nil},
		{"another provider", "metricsProvider.className=com.example.Metrics\n", false, "", 7000, "does not implement", nil},
		{"other provider keys stay ignored", "metricsProvider.exportJvmInfo=false\n", false, "", 7000, "not implement", nil},
		{"port out of range", "metricsProvider.httpPort=70000\n", false, "", 0, "", ErrOutOfRange},
		{"port not a number", "metricsProvider.httpPort=x\n", false, "", 0, "", ErrNotNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, warns, err := Parse([]byte(base + tt.extra))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.PrometheusEnabled() != tt.prometheus || c.MetricsHTTPHost != tt.host || c.EffectiveMetricsHTTPPort() != tt.port {
				t.Errorf("prometheus %v host %q port %d; want %v %q %d", c.PrometheusEnabled(), c.MetricsHTTPHost,
					c.EffectiveMetricsHTTPPort(), tt.prometheus, tt.host, tt.port)
			}
			switch {
			case tt.warning == "" && len(warns) != 0:
				t.Errorf("warnings %v, want none", warns)
			case tt.warning != "" && (len(warns) != 1 || !strings.Contains(warns[0].Message, tt.warning)):
				t.Errorf("warnings %v, want one containing %q", warns, tt.warning)
			}
			// What Parse read, Marshal writes back.
			again, _, err := Parse(c.Marshal())
			if err != nil || again.MetricsProviderClassName != c.MetricsProviderClassName ||
				again.MetricsHTTPHost != c.MetricsHTTPHost || again.MetricsHTTPPort != c.MetricsHTTPPort {
				t.Errorf("round trip: %+v, %v", again, err)
			}
		})
	}
}
