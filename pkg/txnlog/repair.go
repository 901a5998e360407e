package txnlog

import (
	"errors"
	"fmt"
	"path/filepath"
)

// RepairReport says what Repair found and did.
type RepairReport struct {
	// Segments is how many segment files were examined.
	Segments int
	// LastZxid is the zxid of the last record kept.
	LastZxid int64
	// File and Offset locate the first bad record (File is empty when the log was sound).
	File   string
	Offset int64
	// Reason describes the damage.
	Reason string
	// MovedAside lists the files created or renamed to hold what was cut off.
	MovedAside []string
}

// Clean reports whether Repair found nothing to do.
func (r RepairReport) Clean() bool { return r.File == "" }

// Repair is the `zkensemble server --repair` step for a log Open refuses: it keeps every record
// before the first bad one and sets the rest aside instead of deleting it. The bytes from the
// bad record on go to <segment>.corrupt-<offset> and the original is cut there; newer segments
// are renamed to <segment>.corrupt-0. The server then starts from the kept prefix and, in an
// ensemble, fetches the rest from the leader. It takes the directory's lock, so it fails with
// ErrLocked while a server uses dir.
func Repair(dir string) (RepairReport, error) {
	return repair(OSFS{}, dir, DefaultMaxEntryBytes)
}

func repair(fs FS, dir string, maxData int) (_ RepairReport, err error) {
	var rep RepairReport
	lock, err := lockDir(fs, dir)
	if err != nil {
		return rep, err
	}
	defer func() {
		if cerr := lock.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("txnlog: unlock %s: %w", dir, cerr)
		}
	}()
	paths, tmps, err := listSegments(fs, dir)
	if err != nil {
		return rep, fmt.Errorf("txnlog: list %s: %w", dir, err)
	}
	for _, t := range tmps {
		if err := fs.Remove(t); err != nil {
			return rep, fmt.Errorf("txnlog: remove %s: %w", t, err)
		}
	}
	prev := int64(-1)
	for i, p := range paths {
		rep.Segments++
		f, err := fs.OpenRW(p)
		if err != nil {
			return rep, fmt.Errorf("txnlog: open %s: %w", p, err)
		}
		res, err := scanSegment(f, scanOptions{maxData: maxData, prevZxid: prev})
		var he headerError
		bad := false
		switch {
		case errors.As(err, &he):
			bad = true
			rep.File, rep.Offset, rep.Reason = p, 0, "header: "+he.problem
		case err != nil:
			_ = f.Close()
			return rep, fmt.Errorf("txnlog: read %s: %w", p, err)
		case res.tail != tailClean:
			bad = true
			rep.File, rep.Offset, rep.Reason = p, res.badOff, res.reason
		}
		if !bad {
			_ = f.Close()
			if res.records > 0 {
				prev = res.lastZxid
				rep.LastZxid = res.lastZxid
			}
			continue
		}
		if rep.Offset == 0 {
			_ = f.Close()
			if err := moveAside(fs, p, &rep); err != nil {
				return rep, err
			}
		} else {
			err := saveTail(fs, f, p, rep.Offset, res.size, &rep)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return rep, err
			}
			if res.records > 0 {
				rep.LastZxid = res.lastZxid
			}
		}
		for _, later := range paths[i+1:] {
			rep.Segments++
			if err := moveAside(fs, later, &rep); err != nil {
				return rep, err
			}
		}
		break
	}
	if err := fs.SyncDir(dir); err != nil {
		return rep, fmt.Errorf("txnlog: sync dir %s: %w", dir, err)
	}
	return rep, nil
}

func moveAside(fs FS, path string, rep *RepairReport) error {
	to := path + corruptInfix + "0"
	if err := fs.Rename(path, to); err != nil {
		return fmt.Errorf("txnlog: rename %s: %w", path, err)
	}
	rep.MovedAside = append(rep.MovedAside, to)
	return nil
}

// saveTail copies [off, size) of f to <path>.corrupt-<off>, durably, then cuts f at off.
func saveTail(fs FS, f File, path string, off, size int64, rep *RepairReport) error {
	r := chunkReader{r: f, size: size}
	tail, err := r.readAll(off)
	if err != nil {
		return fmt.Errorf("txnlog: read %s: %w", path, err)
	}
	to := fmt.Sprintf("%s%s%d", path, corruptInfix, off)
	out, err := fs.Create(to)
	if err != nil {
		return fmt.Errorf("txnlog: create %s: %w", to, err)
	}
	_, err = out.WriteAt(tail, 0)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("txnlog: save %s: %w", to, err)
	}
	rep.MovedAside = append(rep.MovedAside, to)
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("txnlog: truncate %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("txnlog: fsync %s: %w", path, err)
	}
	return nil
}
