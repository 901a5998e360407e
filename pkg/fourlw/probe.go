package fourlw

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotReady: the server answers srvr but is not a member of a serving quorum (read-only, or
// an unknown mode).
var ErrNotReady = errors.New("fourlw: server not ready")

// CheckLive is the liveness check: the server answers ruok with imok. ZooKeeper answers ruok
// even while it is electing a leader, so this proves only that the process is not wedged; never
// use it for readiness.
func CheckLive(ctx context.Context, addr string) error {
	text, err := Query(ctx, addr, CmdRuok)
	if err != nil {
		return err
	}
	if text != Ruok() {
		return fmt.Errorf("%w: ruok answered %q", ErrParse, truncate(strings.TrimSpace(text)))
	}
	return nil
}

// CheckReady is the readiness check: srvr answers with Mode leader, follower, observer or
// standalone, i.e. the server is serving as part of a quorum (or alone). During leader
// election srvr answers NotServing (ErrNotServing); a read-only server gives ErrNotReady.
func CheckReady(ctx context.Context, addr string) (Srvr, error) {
	text, err := Query(ctx, addr, CmdSrvr)
	if err != nil {
		return Srvr{}, err
	}
	s, err := ParseSrvr(text)
	if err != nil {
		return Srvr{}, err
	}
	if !s.Mode.Serving() || s.ReadOnly {
		return s, fmt.Errorf("%w: mode %s", ErrNotReady, s.ModeText)
	}
	return s, nil
}
