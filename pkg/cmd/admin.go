package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// The AdminServer of `zkensemble server`, a subset of ZooKeeper's (JettyAdminServer,
// Commands): GET <admin.commandURL>/<command> on admin.serverAddress:admin.serverPort, JSON
// answers {"command": ..., "error": ...}. Commands: ruok, and snapshot (alias snap, ZooKeeper
// 3.9), which streams the whole state as an Apache ZooKeeper snapshot file — what `zkensemble
// backup` fetches.
//
// Differences from ZooKeeper, on purpose: the AdminServer is off unless zoo.cfg sets
// admin.enableServer=true (ZooKeeper's default is on, at port 8080 on every address; here
// every member of a local cluster shares one network namespace, as with the metrics port),
// and, like the metrics endpoint, an ensemble member binds its own client host by default.

// adminBackend is what the AdminServer asks the server (server.Server in production).
type adminBackend interface {
	AdminAuthorize(authorization, remoteIP, path string, perm protocol.Perm) (int, string)
	ZKSnapshot() ([]byte, int64, error)
}

// adminSettings are the admin.* keys.
type adminSettings struct {
	Enabled          bool
	Addr             string
	CommandURL       string
	SnapshotEnabled  bool
	SnapshotInterval time.Duration
}

// parseAdmin reads the admin.* keys (kept in zoocfg's Other) for a server whose client address
// is clientAddr.
func parseAdmin(zc *zoocfg.Config, clientAddr string) (adminSettings, error) {
	a := adminSettings{CommandURL: "/commands", SnapshotEnabled: true, SnapshotInterval: 5 * time.Minute}
	get := func(k string) string { return strings.TrimSpace(zc.Other[k]) }
	a.Enabled = get("admin.enableServer") == "true"
	if !a.Enabled {
		return a, nil
	}
	port := 8080
	if v := get("admin.serverPort"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return a, fmt.Errorf("admin.serverPort %q is not a port", v)
		}
		port = p
	}
	host := get("admin.serverAddress")
	if host == "" && zc.Distributed() {
		host, _, _ = net.SplitHostPort(clientAddr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	a.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	if v := get("admin.commandURL"); v != "" {
		a.CommandURL = "/" + strings.Trim(v, "/")
	}
	if v := get("admin.snapshot.enabled"); v != "" {
		a.SnapshotEnabled = v == "true"
	}
	if v := get("admin.snapshot.intervalInMS"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			return a, fmt.Errorf("admin.snapshot.intervalInMS %q is not a number of milliseconds", v)
		}
		a.SnapshotInterval = time.Duration(ms) * time.Millisecond
	}
	return a, nil
}

// adminHandler serves the commands. now is injected for the snapshot rate limit.
func adminHandler(b adminBackend, a adminSettings, now func() time.Time, logger *slog.Logger) http.Handler {
	var mu sync.Mutex
	var lastSnapshot time.Time
	reply := func(w http.ResponseWriter, status int, cmd string, errText string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		body := map[string]any{"command": cmd, "error": nil}
		if errText != "" {
			body["error"] = errText
		}
		_ = json.NewEncoder(w).Encode(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(a.CommandURL+"/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		cmd := strings.TrimPrefix(r.URL.Path, a.CommandURL+"/")
		switch cmd {
		case "ruok":
			reply(w, http.StatusOK, "ruok", "")
		case "snapshot", "snap":
			if !a.SnapshotEnabled {
				reply(w, http.StatusServiceUnavailable, "snapshot", "")
				return
			}
			remote, _, _ := net.SplitHostPort(r.RemoteAddr)
			// Commands.SnapshotCommand: AuthRequest(Perms.ALL, "/").
			if status, text := b.AdminAuthorize(r.Header.Get("Authorization"), remote, "/", protocol.PermAll); status != http.StatusOK {
				reply(w, status, "snapshot", text)
				return
			}
			mu.Lock()
			if t := now(); !lastSnapshot.IsZero() && t.Sub(lastSnapshot) < a.SnapshotInterval {
				mu.Unlock()
				reply(w, http.StatusTooManyRequests, "snapshot", "")
				return
			} else {
				lastSnapshot = t
			}
			mu.Unlock()
			start := now()
			data, zxid, err := b.ZKSnapshot()
			if err != nil {
				logger.Warn("admin snapshot failed", "err", err)
				reply(w, http.StatusInternalServerError, "snapshot", err.Error())
				return
			}
			logger.Info("admin snapshot", "zxid", fmt.Sprintf("0x%x", uint64(zxid)), "bytes", len(data), "capture", now().Sub(start))
			w.Header().Set("last_zxid", fmt.Sprintf("0x%x", uint64(zxid)))
			w.Header().Set("snapshot_size", strconv.Itoa(len(data)))
			w.Header().Set("Content-Type", "application/octet-stream")
			if streaming := r.URL.Query().Get("streaming"); streaming == "false" {
				w.WriteHeader(http.StatusOK)
				return
			}
			_, _ = w.Write(data)
		default:
			// ZooKeeper answers an unknown command with 200 and an error text.
			reply(w, http.StatusOK, cmd, "Unknown command: "+cmd)
		}
	})
	return mux
}

// startAdmin serves the AdminServer until ctx ends, when zoo.cfg enables it. A listen failure
// is returned: the caller asked for the port.
func startAdmin(ctx context.Context, zc *zoocfg.Config, clientAddr string, b adminBackend, logger *slog.Logger) error {
	a, err := parseAdmin(zc, clientAddr)
	if err != nil || !a.Enabled {
		return err
	}
	ln, err := net.Listen("tcp", a.Addr)
	if err != nil {
		return fmt.Errorf("admin server (admin.serverPort): %w", err)
	}
	srv := &http.Server{Handler: adminHandler(b, a, time.Now, logger), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("admin server stopped", "addr", a.Addr, "err", err)
		}
	}()
	logger.Info("admin server", "addr", a.Addr, "commands", a.CommandURL)
	return nil
}
