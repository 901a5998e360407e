package cmd

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveMyID(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name    string
		file    string // "" = no myid file
		pod     string
		want    int64
		wantErr string
	}{
		{name: "file wins over pod", file: "2\n", pod: "zk-0", want: 2},
		{name: "pod ordinal plus one", pod: "zk-2", want: 3},
		{name: "neither", wantErr: "POD_NAME is not set"},
		{name: "bad pod name", pod: "zk", wantErr: "zk"},
		{name: "bad file", file: "x\n", pod: "zk-0", wantErr: "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "myid"), []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := resolveMyID(dir, tc.pod, logger)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveMyID = %d, %v; want %d", got, err, tc.want)
			}
			// The id is on disk afterwards, so a later start agrees without POD_NAME.
			again, err := resolveMyID(dir, "", logger)
			if err != nil || again != tc.want {
				t.Fatalf("second start = %d, %v", again, err)
			}
		})
	}
}
