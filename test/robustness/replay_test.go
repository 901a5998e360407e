package robustness

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"
)

// replayEnv names a history.json (written by a failed run) to re-check and explain.
const replayEnv = "ZKE_ROBUSTNESS_REPLAY"

func loadHistory(t *testing.T, path string) History {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var h History
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var op Op
		if err := json.Unmarshal(sc.Bytes(), &op); err != nil {
			t.Fatal(err)
		}
		h = append(h, op)
	}
	return h
}

// TestReplay re-checks a recorded history key by key and prints the evidence: sync+reads that
// returned a version older than a write acknowledged before the read was even called.
func TestReplay(t *testing.T) {
	p := os.Getenv(replayEnv)
	if p == "" {
		t.Skip("set " + replayEnv + "=/path/to/history.json")
	}
	h := loadHistory(t, p)
	byKey := map[string]History{}
	for _, op := range h {
		byKey[partitionKey(op)] = append(byKey[partitionKey(op)], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res, _ := CheckLinearizable(byKey[k], time.Minute)
		t.Logf("%s: %d ops, porcupine %s", k, len(byKey[k]), res)
	}
	for _, r := range StaleSyncReads(h) {
		t.Logf("stale: %v\n    after: %v", r[0], r[1])
	}
	rest, n := WithoutDeposedEpochReads(h)
	res, _ := CheckLinearizable(rest, time.Minute)
	t.Logf("without %d sync+reads from a superseded epoch (ZOOKEEPER-1675): porcupine %s", n, res)
	for _, v := range CheckSessions(h) {
		t.Logf("session: %v", v)
	}
}
