package cmd

import "testing"

func TestProbeAddr(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		addr string
		env  map[string]string
		want string
	}{
		{":2181", map[string]string{"POD_IP": "10.1.2.3"}, "10.1.2.3:2181"},
		{":2181", map[string]string{"POD_IP": "fd00::7"}, "[fd00::7]:2181"},
		{":2181", nil, "127.0.0.1:2181"},
		{"zk-0.zk-headless:2181", map[string]string{"POD_IP": "10.1.2.3"}, "zk-0.zk-headless:2181"},
		{"127.0.0.1:12181", map[string]string{"POD_IP": "10.1.2.3"}, "127.0.0.1:12181"},
		{"garbage", map[string]string{"POD_IP": "10.1.2.3"}, "garbage"},
	} {
		if got := probeAddr(tc.addr, env(tc.env)); got != tc.want {
			t.Errorf("probeAddr(%q, %v) = %q, want %q", tc.addr, tc.env, got, tc.want)
		}
	}
}
