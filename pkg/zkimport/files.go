package zkimport

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Names of ZooKeeper's files (FileSnap.SNAPSHOT_FILE_PREFIX, FileTxnLog.LOG_FILE_PREFIX,
// FileTxnSnapLog.version): dataDir/version-2/snapshot.<hex zxid>[.gz|.snappy] and
// dataLogDir/version-2/log.<hex zxid>.
const (
	versionDirName = "version-2"
	snapshotPrefix = "snapshot"
	logPrefix      = "log"
)

// fileKind tells snapshot and log names apart.
type fileKind int

const (
	kindSnapshot fileKind = iota
	kindLog
)

func (k fileKind) String() string {
	if k == kindSnapshot {
		return snapshotPrefix
	}
	return logPrefix
}

// zkFile is one snapshot or log file and the zxid its name carries: for a snapshot the last
// zxid applied when it started, for a log the zxid of its first txn.
type zkFile struct {
	Path string
	Zxid int64
}

// SkippedFile is a file Import looked at and did not use, and why.
type SkippedFile struct {
	Path   string
	Reason string
}

// parseName returns the zxid in a file name of the given kind (Util.getZxidFromName), ok
// false when the name is not one. reason is set for names that look like one but are not
// usable (an unknown extension such as the .tmp of a snapshot being written).
func parseName(name string, kind fileKind) (zxid int64, ok bool, reason string) {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || parts[0] != kind.String() {
		return 0, false, ""
	}
	z, err := strconv.ParseInt(parts[1], 16, 64)
	if err != nil {
		return 0, false, fmt.Sprintf("%q is not a hex zxid", parts[1])
	}
	switch {
	case len(parts) == 2:
		return z, true, ""
	case len(parts) == 3 && kind == kindSnapshot && (parts[2] == "gz" || parts[2] == "snappy"):
		return z, true, ""
	}
	return 0, false, fmt.Sprintf("unexpected name for a %v file", kind)
}

// resolveVersionDir returns dir/version-2 when it exists, else dir itself when it holds
// snapshot or log files (the user named the version-2 directory directly).
func resolveVersionDir(dir string) (string, error) {
	v := filepath.Join(dir, versionDirName)
	if st, err := os.Stat(v); err == nil && st.IsDir() {
		return v, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoDataDir, err)
	}
	for _, e := range entries {
		for _, k := range []fileKind{kindSnapshot, kindLog} {
			if _, ok, _ := parseName(e.Name(), k); ok {
				return dir, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %s has neither %s/ nor snapshot.* or log.* files", ErrNoDataDir, dir, versionDirName)
}

// listFiles returns the files of one kind in dir sorted by zxid ascending, and the ones
// skipped for their names.
func listFiles(dir string, kind fileKind) ([]zkFile, []SkippedFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var files []zkFile
	var skipped []SkippedFile
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		z, ok, reason := parseName(e.Name(), kind)
		p := filepath.Join(dir, e.Name())
		switch {
		case ok:
			files = append(files, zkFile{Path: p, Zxid: z})
		case reason != "":
			skipped = append(skipped, SkippedFile{Path: p, Reason: reason})
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].Zxid != files[j].Zxid {
			return files[i].Zxid < files[j].Zxid
		}
		return files[i].Path < files[j].Path
	})
	return files, skipped, nil
}

// logsFrom is FileTxnLog.getLogFiles: the log that starts at or just before snapZxid (it may
// hold the txns right after the snapshot) and every later one. logs must be sorted ascending.
func logsFrom(logs []zkFile, snapZxid int64) []zkFile {
	var start int64
	for _, f := range logs {
		if f.Zxid > snapZxid {
			break
		}
		start = max(start, f.Zxid)
	}
	var out []zkFile
	for _, f := range logs {
		if f.Zxid >= start {
			out = append(out, f)
		}
	}
	return out
}
