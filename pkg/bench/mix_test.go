package bench

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestMixNext(t *testing.T) {
	cases := []struct {
		mix             Mix
		minGet, maxGet  int // per 10000
		minSet, maxSet  int
		wantCreateShare int
	}{
		{MixCreate, 0, 0, 0, 0, 10000},
		{MixSet, 0, 0, 10000, 10000, 0},
		{MixGet, 10000, 10000, 0, 0, 0},
		{MixMixed, 8800, 9200, 800, 1200, 0},
	}
	for _, c := range cases {
		r := rand.New(rand.NewPCG(7, 7))
		counts := map[Op]int{}
		for i := 0; i < 10000; i++ {
			counts[c.mix.Next(r)]++
		}
		if counts[OpGet] < c.minGet || counts[OpGet] > c.maxGet || counts[OpSet] < c.minSet ||
			counts[OpSet] > c.maxSet || counts[OpCreate] != c.wantCreateShare {
			t.Errorf("%v: %v", c.mix, counts)
		}
	}
}

func TestParseMix(t *testing.T) {
	for _, s := range []string{"create", "set", "get", "mixed"} {
		m, err := ParseMix(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMix(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMix("write"); !errors.Is(err, ErrBadMix) {
		t.Errorf("ParseMix(write) err = %v", err)
	}
}
