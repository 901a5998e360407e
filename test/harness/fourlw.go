package harness

import (
	"fmt"
	"io"
	"net"
	"time"
)

// fourLWTimeout bounds one four-letter-word exchange.
const fourLWTimeout = 5 * time.Second

// FourLW sends a four-letter word (e.g. "srvr", "mntr") to addr and returns the whole answer,
// which the server ends by closing the connection.
func FourLW(addr, cmd string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, fourLWTimeout)
	if err != nil {
		return "", fmt.Errorf("harness: 4lw %s: %w", cmd, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(fourLWTimeout))
	if _, err := conn.Write([]byte(cmd)); err != nil {
		return "", fmt.Errorf("harness: 4lw %s: %w", cmd, err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return string(b), fmt.Errorf("harness: 4lw %s: %w", cmd, err)
	}
	return string(b), nil
}
