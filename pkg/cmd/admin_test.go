package cmd

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

type fakeAdmin struct {
	authStatus int
	authText   string
	gotAuth    string
	snaps      int
}

func (f *fakeAdmin) AdminAuthorize(authorization, remoteIP, path string, perm protocol.Perm) (int, string) {
	f.gotAuth = authorization
	if path != "/" || perm != protocol.PermAll {
		return http.StatusInternalServerError, "wrong request"
	}
	return f.authStatus, f.authText
}

func (f *fakeAdmin) ZKSnapshot() ([]byte, int64, error) {
	f.snaps++
	return []byte("snapshot-bytes"), 0x100000007, nil
}

func TestAdminHandler(t *testing.T) {
	clock := time.Unix(1000, 0)
	b := &fakeAdmin{authStatus: http.StatusOK}
	h := adminHandler(b, adminSettings{Enabled: true, CommandURL: "/commands", SnapshotEnabled: true, SnapshotInterval: time.Minute},
		func() time.Time { return clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(path, auth string) (*http.Response, map[string]any, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		body := w.Body.String()
		var js map[string]any
		_ = json.Unmarshal([]byte(body), &js)
		return w.Result(), js, body
	}
	if r, js, _ := get("/commands/ruok", ""); r.StatusCode != 200 || js["command"] != "ruok" || js["error"] != nil {
		t.Errorf("ruok: %d %v", r.StatusCode, js)
	}
	if r, js, _ := get("/commands/nope", ""); r.StatusCode != 200 || js["error"] != "Unknown command: nope" {
		t.Errorf("unknown command: %d %v", r.StatusCode, js)
	}
	b.authStatus, b.authText = http.StatusForbidden, "Not authorized"
	if r, js, _ := get("/commands/snapshot", "digest bob:pw"); r.StatusCode != 403 || js["error"] != "Not authorized" || b.snaps != 0 {
		t.Errorf("refused snapshot: %d %v, %d snapshots taken", r.StatusCode, js, b.snaps)
	}
	if b.gotAuth != "digest bob:pw" {
		t.Errorf("backend saw Authorization %q", b.gotAuth)
	}
	b.authStatus, b.authText = http.StatusOK, ""
	r, _, body := get("/commands/snapshot?streaming=true", "digest super:pw")
	if r.StatusCode != 200 || body != "snapshot-bytes" || r.Header.Get("last_zxid") != "0x100000007" || r.Header.Get("snapshot_size") != "14" {
		t.Errorf("snapshot: %d %q headers %v", r.StatusCode, body, r.Header)
	}
	if r, _, _ := get("/commands/snap", "digest super:pw"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second snapshot within the interval: %d", r.StatusCode)
	}
	clock = clock.Add(2 * time.Minute)
	if r, _, body := get("/commands/snap?streaming=false", "digest super:pw"); r.StatusCode != 200 || body != "" || r.Header.Get("snapshot_size") != "14" {
		t.Errorf("non-streaming snapshot after the interval: %d %q", r.StatusCode, body)
	}
	if b.snaps != 2 {
		t.Errorf("%d snapshots taken, want 2", b.snaps)
	}
	req := httptest.NewRequest(http.MethodPost, "/commands/ruok", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}

	off := adminHandler(b, adminSettings{Enabled: true, CommandURL: "/commands"}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w = httptest.NewRecorder()
	off.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/commands/snapshot", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("disabled snapshot: %d", w.Code)
	}
}

func TestParseAdmin(t *testing.T) {
	zc := &zoocfg.Config{Other: map[string]string{}}
	if a, err := parseAdmin(zc, "127.0.0.1:2181"); err != nil || a.Enabled {
		t.Errorf("default: %+v %v (off unless asked)", a, err)
	}
	zc.Other = map[string]string{"admin.enableServer": "true", "admin.serverPort": "9090", "admin.commandURL": "/cmds/",
		"admin.snapshot.intervalInMS": "0", "admin.snapshot.enabled": "false"}
	a, err := parseAdmin(zc, "127.0.0.1:2181")
	if err != nil || !a.Enabled || a.Addr != "0.0.0.0:9090" || a.CommandURL != "/cmds" || a.SnapshotInterval != 0 || a.SnapshotEnabled {
		t.Errorf("parsed %+v %v", a, err)
	}
	zc.Servers = []zoocfg.ServerLine{{ID: 1}}
	if a, _ := parseAdmin(zc, "127.0.0.5:2181"); a.Addr != "127.0.0.5:9090" {
		t.Errorf("ensemble member binds %s, want its client host", a.Addr)
	}
	for _, bad := range []map[string]string{{"admin.enableServer": "true", "admin.serverPort": "x"},
		{"admin.enableServer": "true", "admin.snapshot.intervalInMS": "-1"}} {
		if _, err := parseAdmin(&zoocfg.Config{Other: bad}, ""); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
