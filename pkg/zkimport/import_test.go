package zkimport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// writeFiles creates dir/version-2 with the given files.
func writeFiles(t *testing.T, dir string, files map[string][]byte) string {
	t.Helper()
	v := filepath.Join(dir, versionDirName)
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(v, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// replayLogAfterSimple holds txns around simpleSnapshot's zxid 4; digest, when not nil, is
// logged with the last txn.
func replayLogAfterSimple(digest *jute.TxnDigest) []byte { return replayLogBuilder(digest).bytes() }

func replayLogBuilder(digest *jute.TxnDigest) *logBuilder {
	return newLog().
		txn(hdr(0x100, 3, protocol.OpSetData), &jute.SetDataTxn{Path: "/app", Data: []byte("v"), Version: 1}, nil).
		txn(hdr(0x100, 4, protocol.OpCreate), &jute.CreateTxn{Path: "/app/e", ACL: openACLList, Ephemeral: true, ParentCVersion: 1}, nil).
		txn(hdr(0x200, 5, protocol.OpCreateSession), &jute.CreateSessionTxn{TimeOut: 6000}, nil).
		txn(hdr(0x200, 6, protocol.OpCreate), &jute.CreateTxn{Path: "/app/x", Data: []byte("x"), ACL: openACLList, Ephemeral: true, ParentCVersion: 2}, nil).
		txn(hdr(0x100, 7, protocol.OpCloseSession), &jute.CloseSessionTxn{Paths2Delete: []string{"/app/e"}}, nil).
		txn(hdr(0x200, 8, protocol.OpCreate), &jute.CreateTxn{Path: "/b", ACL: openACLList, ParentCVersion: 2}, digest).
		pad(1000)
}

func TestImportReplaysLogAfterSnapshot(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string][]byte{
		"snapshot.4":   simpleSnapshot(),
		"log.1":        replayLogAfterSimple(&jute.TxnDigest{Version: 2, TreeDigest: 1}),
		"currentEpoch": []byte("0"),
	})
	res, err := Import(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.SnapshotZxid != 4 || res.LastZxid != 8 || res.TxnsReplayed != 4 {
		t.Errorf("snapshot zxid %#x, last zxid %#x, %d replayed", res.SnapshotZxid, res.LastZxid, res.TxnsReplayed)
	}
	if !reflect.DeepEqual(res.Sessions, map[int64]int32{0x200: 6000}) {
		t.Errorf("sessions %v", res.Sessions)
	}
	if _, ok := res.Tree.Node("/app/e"); ok {
		t.Error("/app/e survived its session's close")
	}
	if st, ok := res.Tree.Exists("/app/x"); !ok || st.EphemeralOwner != 0x200 {
		t.Errorf("/app/x: %+v %v", st, ok)
	}
	if st, ok := res.Tree.Exists("/b"); !ok || st.Czxid != 8 {
		t.Errorf("/b: %+v %v", st, ok)
	}
	if len(res.Logs) != 1 || res.Logs[0].End.Reason != LogEndPadding || res.Logs[0].Replayed != 4 {
		t.Errorf("logs %+v", res.Logs)
	}
	if len(res.Warnings) != 0 || len(res.Skipped) != 0 || len(res.DeadSessions) != 0 {
		t.Errorf("warnings %v skipped %v dead %v", res.Warnings, res.Skipped, res.DeadSessions)
	}
	// The logged digest (1) is wrong: the check must say so.
	if !res.Digest.Checked || res.Digest.Match() || res.Digest.Zxid != 8 || res.Digest.Logged != 1 {
		t.Errorf("digest check %+v", res.Digest)
	}
	if !strings.Contains(res.Summary(), "digest: MISMATCH") {
		t.Errorf("summary hides the mismatch:\n%s", res.Summary())
	}

	// Log the digest the tree really has: now it matches.
	writeFiles(t, dir, map[string][]byte{"log.1": replayLogAfterSimple(&jute.TxnDigest{Version: 2, TreeDigest: res.Digest.Computed})})
	res, err = Import(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Digest.Match() || !strings.Contains(res.Summary(), "digest: matches") {
		t.Errorf("digest check %+v", res.Digest)
	}
}

func TestImportRemovesEphemeralsOfDeadSessions(t *testing.T) {
	st := jute.StatPersisted{Czxid: 2, Mzxid: 2, Pzxid: 2}
	owned := func(s int64) jute.StatPersisted { x := st; x.EphemeralOwner = s; return x }
	snap := newSnap().sessions(Session{ID: 0x100, TimeoutMillis: 4000}).acls(nil, nil).builtins().
		node("/alive", nil, OpenACLRef, owned(0x100)).
		node("/dead1", nil, OpenACLRef, owned(0x300)).
		node("/dead2", nil, OpenACLRef, owned(0x300)).
		node("/cont", nil, OpenACLRef, owned(protocol.ContainerEphemeralOwner)).
		node("/ttl", nil, OpenACLRef, owned(protocol.TTLOwner(5000))).
		end().seal().bytes()
	dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.9": snap})
	res, err := Import(dir, Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.DeadSessions, map[int64][]string{0x300: {"/dead1", "/dead2"}}) {
		t.Errorf("dead sessions %v", res.DeadSessions)
	}
	for p, want := range map[string]bool{"/alive": true, "/dead1": false, "/dead2": false, "/cont": true, "/ttl": true} {
		if _, ok := res.Tree.Node(p); ok != want {
			t.Errorf("%s present %v, want %v", p, ok, want)
		}
	}
	if res.Digest.Checked {
		t.Errorf("digest checked without one logged: %+v", res.Digest)
	}
	// Without extended types a TTL owner is a session id, and that session is not alive.
	res, err = Import(dir, Options{ExtendedTypes: false})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Tree.Node("/ttl"); ok {
		t.Error("/ttl kept though its owner reads as a dead session")
	}
}

func TestImportFallsBackToOlderSnapshot(t *testing.T) {
	corrupt := simpleSnapshot()
	corrupt[strings.Index(string(corrupt), "\x00\x00\x00\x01v")+4] = 'w' // /app's data
	dir := writeFiles(t, t.TempDir(), map[string][]byte{
		"snapshot.4":     simpleSnapshot(),
		"snapshot.6":     corrupt,
		"snapshot.7.tmp": []byte("partial"),
		"log.1":          replayLogAfterSimple(nil),
	})
	res, err := Import(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.SnapshotZxid != 4 || res.LastZxid != 8 {
		t.Errorf("snapshot %#x last %#x", res.SnapshotZxid, res.LastZxid)
	}
	var reasons []string
	for _, s := range res.Skipped {
		reasons = append(reasons, filepath.Base(s.Path)+": "+s.Reason)
	}
	joined := strings.Join(reasons, "\n")
	if len(res.Skipped) != 2 || !strings.Contains(joined, "snapshot.6: ") || !strings.Contains(joined, "checksum mismatch") || !strings.Contains(joined, "snapshot.7.tmp: ") {
		t.Errorf("skipped:\n%s", joined)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "fell back") {
		t.Errorf("warnings %v", res.Warnings)
	}
}

func TestImportLogProblems(t *testing.T) {
	good := replayLogAfterSimple(nil)
	torn := good[:len(good)-1000-3] // the last entry loses its tail
	badCRC := append([]byte(nil), good...)
	// Find the create of /app/x and corrupt a byte of its path.
	at := strings.Index(string(badCRC), "/app/x")
	badCRC[at+5] = 'y'
	gap := newLog().
		txn(hdr(0x200, 5, protocol.OpCreateSession), &jute.CreateSessionTxn{TimeOut: 6000}, nil).
		txn(hdr(0x200, 9, protocol.OpCreate), &jute.CreateTxn{Path: "/late", ACL: openACLList, ParentCVersion: 2}, nil).bytes()

	t.Run("torn tail", func(t *testing.T) {
		dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": simpleSnapshot(), "log.1": torn})
		res, err := Import(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.LastZxid != 7 || res.Logs[0].End.Reason != LogEndTorn {
			t.Errorf("last zxid %#x, end %+v", res.LastZxid, res.Logs[0].End)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "torn entry") || !strings.Contains(res.Warnings[0], "log.1") {
			t.Errorf("warnings %v", res.Warnings)
		}
	})
	t.Run("checksum mismatch stops the import", func(t *testing.T) {
		dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": simpleSnapshot(), "log.1": badCRC})
		_, err := Import(dir, Options{})
		file := filepath.Join(dir, versionDirName, "log.1")
		// The /app/x create is the fourth entry.
		off := fmt.Sprintf("offset %d", replayLogBuilder(nil).offsets[3])
		if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), off) {
			t.Errorf("error %v, want ErrChecksum naming %s and %s", err, file, off)
		}
	})
	t.Run("gap and separate dataLogDir", func(t *testing.T) {
		dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": simpleSnapshot()})
		logDir := writeFiles(t, t.TempDir(), map[string][]byte{"log.5": gap})
		res, err := Import(dir, Options{DataLogDir: logDir})
		if err != nil {
			t.Fatal(err)
		}
		if res.LastZxid != 9 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "0x6 to 0x8 are missing") {
			t.Errorf("last zxid %#x, warnings %v", res.LastZxid, res.Warnings)
		}
	})
	t.Run("header-less last log", func(t *testing.T) {
		dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": simpleSnapshot(), "log.1": good, "log.9": {}})
		res, err := Import(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.LastZxid != 8 || len(res.Logs) != 2 || res.Logs[1].End.Reason != LogEndTorn {
			t.Errorf("last %#x logs %+v", res.LastZxid, res.Logs)
		}
	})
}

func TestImportDirectoryErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := Import(empty, Options{}); !errors.Is(err, ErrNoDataDir) {
		t.Errorf("empty dir: %v", err)
	}
	onlyLog := writeFiles(t, t.TempDir(), map[string][]byte{"log.1": replayLogAfterSimple(nil)})
	if _, err := Import(onlyLog, Options{}); !errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), "1 log files") {
		t.Errorf("only a log: %v", err)
	}
	bad := simpleSnapshot()[:50]
	allBad := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": bad})
	if _, err := Import(allBad, Options{}); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("only a bad snapshot: %v", err)
	}
	// The version-2 directory itself may be named.
	dir := writeFiles(t, t.TempDir(), map[string][]byte{"snapshot.4": simpleSnapshot()})
	res, err := Import(filepath.Join(dir, versionDirName), Options{})
	if err != nil || res.SnapshotZxid != 4 {
		t.Errorf("version-2 named directly: %v", err)
	}
	if _, err := Import(filepath.Join(empty, "missing"), Options{}); !errors.Is(err, ErrNoDataDir) {
		t.Errorf("missing dir: %v", err)
	}
}
