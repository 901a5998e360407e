package reconfig

import (
	"errors"
	"slices"
	"testing"
)

func TestParseConfig(t *testing.T) {
	// The shape ZooKeeper 3.8 serves at /zookeeper/config (QuorumMaj.toString).
	text := "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n" +
		"server.2=127.0.0.2:2888:3888:participant;127.0.0.2:2181\n" +
		"server.4=127.0.0.4:2888:3888:observer;127.0.0.4:2181\n" +
		"version=100000003"
	c, err := ParseConfig([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 0x100000003 || c.VersionString() != "100000003" {
		t.Errorf("version = %x", c.Version)
	}
	if got := c.Voters(); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("voters = %v", got)
	}
	if !c.Lists(4) || c.IsVoter(4) || c.Lists(3) {
		t.Errorf("Lists/IsVoter wrong for %+v", c)
	}
	if c.Text() != text {
		t.Errorf("Text =\n%s\nwant\n%s", c.Text(), text)
	}
	for _, bad := range []string{"", "version=1", "server.1=x\nversion=1", "clientPort=2181\n"} {
		if _, err := ParseConfig([]byte(bad)); !errors.Is(err, ErrConfig) {
			t.Errorf("ParseConfig(%q) = %v, want ErrConfig", bad, err)
		}
	}
}

func TestSuperDigest(t *testing.T) {
	// base64(sha1("super:test")), what DigestAuthenticationProvider.generateDigest("super:test")
	// returns after "super:"; test/reconfig proves a real server accepts it.
	if got, want := SuperDigest("test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU="; got != want {
		t.Errorf("SuperDigest(test) = %s, want %s", got, want)
	}
}
