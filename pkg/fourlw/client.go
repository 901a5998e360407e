package fourlw

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"
)

// MaxReplyBytes bounds what Query reads; a real reply (mntr of a large ZooKeeper, wchc of many
// sessions) stays far below it.
const MaxReplyBytes = 16 << 20

// Query sends the four-letter word cmd to the server at addr ("host:port") and returns the
// whole reply, read until the server closes the connection. ctx bounds the dial and the
// exchange; without a deadline only cancellation stops a server that never closes.
//
// Query checks the reply for the two refusals: it returns the text together with
// ErrNotWhitelisted or ErrNotServing when the server sent one of them. Other failures wrap
// ErrQuery. stmk needs 8 more bytes and is not supported here.
func Query(ctx context.Context, addr, cmd string) (string, error) {
	if len(cmd) != 4 || cmd == CmdStmk {
		return "", fmt.Errorf("%w: %q is not a four-letter word Query can send", ErrQuery, cmd)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%w: %s %s: %w", ErrQuery, cmd, addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancellation without a deadline: unblock the read by expiring the connection.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if _, err := conn.Write([]byte(cmd)); err != nil {
		return "", fmt.Errorf("%w: %s %s: write: %w", ErrQuery, cmd, addr, err)
	}
	data, err := io.ReadAll(io.LimitReader(conn, MaxReplyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return string(data), fmt.Errorf("%w: %s %s: read: %w", ErrQuery, cmd, addr, err)
	}
	if len(data) > MaxReplyBytes {
		return "", fmt.Errorf("%w: %s %s: reply longer than %d bytes", ErrQuery, cmd, addr, MaxReplyBytes)
	}
	text := string(data)
	if err := refusal(text); err != nil {
		return text, err
	}
	return text, nil
}
