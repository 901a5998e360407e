package fourlw

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	srvrIn := func(m Mode) string { s := leaderStats(); s.Mode = m; return s.Srvr() }
	tests := []struct {
		name      string
		ruok      string
		srvr      string
		liveErr   error
		readyErr  error
		readyMode Mode
	}{
		{"leader", "imok", srvrIn(ModeLeader), nil, nil, ModeLeader},
		{"follower", "imok", srvrIn(ModeFollower), nil, nil, ModeFollower},
		{"observer", "imok", srvrIn(ModeObserver), nil, nil, ModeObserver},
		{"standalone", "imok", srvrIn(ModeStandalone), nil, nil, ModeStandalone},
		{"read-only", "imok", srvrIn(ModeReadOnly), nil, ErrNotReady, ModeReadOnly},
		{"electing", "imok", NotServing + "\n", nil, ErrNotServing, 0},
		{"unknown mode", "imok", "Zookeeper version: x\nZxid: 0x0\nMode: leaderelection\n", nil, ErrNotReady, ModeUnknown},
		{"ruok refused", NotWhitelistedReply("ruok"), srvrIn(ModeLeader), ErrNotWhitelisted, nil, ModeLeader},
		{"garbage", "nope", "garbage", ErrParse, ErrParse, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, func(w string) string {
				if w == "ruok" {
					return tc.ruok
				}
				return tc.srvr
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := CheckLive(ctx, addr); !errors.Is(err, tc.liveErr) {
				t.Errorf("CheckLive = %v, want %v", err, tc.liveErr)
			}
			s, err := CheckReady(ctx, addr)
			if !errors.Is(err, tc.readyErr) {
				t.Errorf("CheckReady = %v, want %v", err, tc.readyErr)
			}
			if s.Mode != tc.readyMode {
				t.Errorf("CheckReady mode = %v, want %v", s.Mode, tc.readyMode)
			}
		})
	}
}
