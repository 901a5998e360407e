package session

import (
	"reflect"
	"testing"
)

func TestRoundToNextInterval(t *testing.T) {
	tr := NewTracker(2000)
	tests := []struct{ in, want int64 }{
		{0, 2000},
		{1, 2000},
		{1999, 2000},
		{2000, 4000}, // exactly on a boundary goes to the next one
		{2001, 4000},
		{10500, 12000},
	}
	for _, tc := range tests {
		if got := tr.roundToNextInterval(tc.in); got != tc.want {
			t.Errorf("roundToNextInterval(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// step is one action in a tracker script; the checks after it run against the tracker state.
type step struct {
	op        string // add, touch, closing, remove, expired
	id        int64
	timeout   int32
	now       int64
	wantTouch bool    // for touch
	wantIDs   []int64 // for expired
}

func TestTrackerScripts(t *testing.T) {
	tests := []struct {
		name  string
		tick  int64
		steps []step
		// after the script
		wantNext   int64
		wantNextOK bool
		wantInfo   []Info
	}{
		{
			name: "deadline rounds up to the tick",
			tick: 2000,
			steps: []step{
				{op: "add", id: 1, timeout: 5000, now: 100}, // 5100 → 6000
				{op: "expired", now: 5999},
			},
			wantNext: 6000, wantNextOK: true,
			wantInfo: []Info{{ID: 1, TimeoutMillis: 5000, DeadlineMillis: 6000}},
		},
		{
			name: "expires at the bucket time, once",
			tick: 2000,
			steps: []step{
				{op: "add", id: 1, timeout: 5000, now: 100},
				{op: "expired", now: 6000, wantIDs: []int64{1}},
				{op: "expired", now: 20000},
				{op: "touch", id: 1, now: 6001, wantTouch: false},
			},
			wantInfo: []Info{{ID: 1, TimeoutMillis: 5000, Closing: true}},
		},
		{
			name: "sessions in one bucket expire together, sorted",
			tick: 1000,
			steps: []step{
				{op: "add", id: 30, timeout: 4000, now: 100},  // 5000
				{op: "add", id: 10, timeout: 4000, now: 900},  // 5000
				{op: "add", id: 20, timeout: 4000, now: 1500}, // 6000
				{op: "expired", now: 5000, wantIDs: []int64{10, 30}},
			},
			wantNext: 6000, wantNextOK: true,
			wantInfo: []Info{
				{ID: 10, TimeoutMillis: 4000, Closing: true},
				{ID: 20, TimeoutMillis: 4000, DeadlineMillis: 6000},
				{ID: 30, TimeoutMillis: 4000, Closing: true},
			},
		},
		{
			name: "a touch moves the session to a later bucket",
			tick: 2000,
			steps: []step{
				{op: "add", id: 1, timeout: 4000, now: 0},         // 4000 is a boundary: rounds to 6000
				{op: "touch", id: 1, now: 3000, wantTouch: true},  // 7000 → 8000
				{op: "expired", now: 6000},                        // old bucket: nothing
				{op: "touch", id: 1, now: 3500, wantTouch: true},  // same bucket 8000
				{op: "expired", now: 7999},                        // not yet
				{op: "expired", now: 8000, wantIDs: []int64{1}},   // now
				{op: "touch", id: 1, now: 8001, wantTouch: false}, // closing
				{op: "add", id: 2, timeout: 2000, now: 8001},      // 10001 → 12000
				{op: "touch", id: 2, now: 8002, wantTouch: true},  // still 12000
				{op: "expired", now: 11999},                       // not yet
			},
			wantNext: 12000, wantNextOK: true,
			wantInfo: []Info{
				{ID: 1, TimeoutMillis: 4000, Closing: true},
				{ID: 2, TimeoutMillis: 2000, DeadlineMillis: 12000},
			},
		},
		{
			name: "a late caller catches up on every due bucket",
			tick: 1000,
			steps: []step{
				{op: "add", id: 3, timeout: 1000, now: 0}, // 2000
				{op: "add", id: 2, timeout: 3000, now: 0}, // 4000
				{op: "add", id: 1, timeout: 9000, now: 0}, // 10000
				{op: "expired", now: 4500, wantIDs: []int64{2, 3}},
			},
			wantNext: 10000, wantNextOK: true,
			wantInfo: []Info{
				{ID: 1, TimeoutMillis: 9000, DeadlineMillis: 10000},
				{ID: 2, TimeoutMillis: 3000, Closing: true},
				{ID: 3, TimeoutMillis: 1000, Closing: true},
			},
		},
		{
			name: "closing sessions are not touched or expired",
			tick: 1000,
			steps: []step{
				{op: "add", id: 1, timeout: 2000, now: 0},
				{op: "closing", id: 1},
				{op: "touch", id: 1, now: 10, wantTouch: false},
				{op: "expired", now: 5000},
			},
			wantInfo: []Info{{ID: 1, TimeoutMillis: 2000, Closing: true}},
		},
		{
			name: "remove forgets the session and its bucket",
			tick: 1000,
			steps: []step{
				{op: "add", id: 1, timeout: 2000, now: 0},
				{op: "add", id: 2, timeout: 5000, now: 0},
				{op: "remove", id: 1},
				{op: "remove", id: 99}, // unknown: ignored
				{op: "touch", id: 1, now: 10, wantTouch: false},
				{op: "expired", now: 3000},
			},
			wantNext: 6000, wantNextOK: true,
			wantInfo: []Info{{ID: 2, TimeoutMillis: 5000, DeadlineMillis: 6000}},
		},
		{
			name: "re-adding keeps the session and refreshes its deadline",
			tick: 1000,
			steps: []step{
				{op: "add", id: 1, timeout: 2000, now: 0},    // 3000
				{op: "add", id: 1, timeout: 2000, now: 2500}, // 5000
				{op: "expired", now: 3000},
			},
			wantNext: 5000, wantNextOK: true,
			wantInfo: []Info{{ID: 1, TimeoutMillis: 2000, DeadlineMillis: 5000}},
		},
		{
			name:     "empty",
			tick:     1000,
			wantInfo: []Info{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(tc.tick)
			for i, s := range tc.steps {
				switch s.op {
				case "add":
					tr.Add(s.id, s.timeout, s.now)
				case "touch":
					if got := tr.Touch(s.id, s.now); got != s.wantTouch {
						t.Fatalf("step %d: Touch(%d, %d) = %v, want %v", i, s.id, s.now, got, s.wantTouch)
					}
				case "closing":
					tr.SetClosing(s.id)
				case "remove":
					tr.Remove(s.id)
				case "expired":
					got := tr.Expired(s.now)
					if len(got) != 0 || len(s.wantIDs) != 0 {
						if !reflect.DeepEqual(got, s.wantIDs) {
							t.Fatalf("step %d: Expired(%d) = %v, want %v", i, s.now, got, s.wantIDs)
						}
					}
				default:
					t.Fatalf("bad op %q", s.op)
				}
			}
			next, ok := tr.NextExpiry()
			if ok != tc.wantNextOK || next != tc.wantNext {
				t.Errorf("NextExpiry = %d, %v; want %d, %v", next, ok, tc.wantNext, tc.wantNextOK)
			}
			if got := tr.Sessions(); !reflect.DeepEqual(got, tc.wantInfo) {
				t.Errorf("Sessions = %+v, want %+v", got, tc.wantInfo)
			}
			if tr.Len() != len(tc.wantInfo) {
				t.Errorf("Len = %d, want %d", tr.Len(), len(tc.wantInfo))
			}
		})
	}
}

func TestTrackerTimeout(t *testing.T) {
	tr := NewTracker(1000)
	tr.Add(7, 30000, 0)
	if got, ok := tr.Timeout(7); !ok || got != 30000 {
		t.Errorf("Timeout(7) = %d, %v; want 30000, true", got, ok)
	}
	if _, ok := tr.Timeout(8); ok {
		t.Error("Timeout(8) found an unknown session")
	}
}

func TestNewTrackerRejectsBadTick(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewTracker(0) did not panic")
		}
	}()
	NewTracker(0)
}
