package reconfig

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/reconfig"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
	"github.com/zkensemble/zkensemble/test/harness"
)

// Bounds. The Apache JVM takes 1-3 s to start on this machine; the whole scenario starts five
// and restarts one.
const (
	scenarioTimeout = 100 * time.Second
	maxSteps        = 300 // observations per converge call
	stepPause       = 200 * time.Millisecond
	callTimeout     = 10 * time.Second
	maxWrites       = 20000
)

func skipWithoutApache(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Apache ZooKeeper processes")
	}
	if _, err := os.Stat(harness.DebianZkEnv); err != nil {
		t.Skipf("Apache ZooKeeper not installed: %v", err)
	}
	if os.Getenv("ZKE_SKIP_APACHE") != "" {
		t.Skip("ZKE_SKIP_APACHE set")
	}
}

// TestScaleAndTransferApache: 3 → 5 → 3 one voter at a time under a writer, the leader's
// restart preceded by a transfer, a stale config version refused, no acknowledged write lost.
func TestScaleAndTransferApache(t *testing.T) {
	skipWithoutApache(t)
	password := randomPassword(t)
	e := harness.StartApacheEnsemble(t, 3, 5, harness.ApacheEnsembleOptions{SuperDigest: reconfig.SuperDigest(password)})
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	d := &driver{t: t, e: e, password: password, pods: 3}
	defer d.close()

	first := d.config(ctx)
	if got := first.Voters(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("initial voters %v", got)
	}
	w := startWriter(t, e.Addrs())

	// Scale up: pod, then reconfig, for 4 then 5.
	d.converge(ctx, 5, 0)
	d.expectMembers(ctx, []int64{1, 2, 3, 4, 5}, 5)
	d.expectSequence(t, []string{"Grow 4", "Add 4", "Grow 5", "Add 5"})

	// Leader transfer, then the old leader's restart as a follower.
	old := d.leader(ctx)
	d.steps = nil
	d.converge(ctx, 5, old)
	d.expectSequence(t, []string{fmt.Sprintf("Remove %d", old), fmt.Sprintf("Add %d", old)})
	d.expectMembers(ctx, []int64{1, 2, 3, 4, 5}, 5)
	if now := d.leader(ctx); now == old {
		t.Fatalf("server %d still leads after the transfer", old)
	}
	m := e.Member(old)
	if mode := m.Mode(); mode != "follower" {
		t.Fatalf("server %d is %q before its restart, want follower", old, mode)
	}
	m.Terminate()
	if _, err := e.Launch(old, nil); err != nil {
		t.Fatal(err)
	}
	d.converge(ctx, 5, 0) // waits (gate) until it is back in the leader's synced count
	d.waitSynced(ctx, 5)

	// Scale down: reconfig out, then the pod, for 5 then 4.
	d.steps = nil
	d.converge(ctx, 3, 0)
	d.expectMembers(ctx, []int64{1, 2, 3}, 3)
	var seq []string
	for _, s := range d.steps {
		seq = append(seq, s)
	}
	if !slices.Equal(seq, []string{"Remove 5", "Shrink 5", "Remove 4", "Shrink 4"}) {
		t.Fatalf("scale-down steps %v", seq)
	}
	for _, id := range []int64{4, 5} {
		if e.Member(id).Running() {
			t.Errorf("server %d still runs after the scale-down", id)
		}
	}

	// A change conditioned on a version that is no longer current is refused and changes
	// nothing: the caller must re-observe.
	now := d.config(ctx)
	err := d.client(ctx).Remove(ctx, 3, first.Version)
	if !errors.Is(err, reconfig.ErrBadVersion) {
		t.Fatalf("Remove from stale version %x = %v, want ErrBadVersion", first.Version, err)
	}
	if after := d.config(ctx); after.Version != now.Version || !slices.Equal(after.Voters(), now.Voters()) {
		t.Fatalf("config changed by a refused reconfig: %x %v → %x %v", now.Version, now.Voters(), after.Version, after.Voters())
	}

	acked := w.stop()
	if len(acked) < 50 {
		t.Fatalf("only %d writes acknowledged across the scenario", len(acked))
	}
	for _, id := range []int64{1, 2, 3} {
		checkWrites(ctx, t, e.Addr(id), acked)
	}
	t.Logf("%d writes acknowledged, %d attempts failed, longest pause between two acknowledged writes %v; all on servers 1-3",
		len(acked), w.failed, w.maxGap.Round(time.Millisecond))
}

// driver stands in for the reconciler and the StatefulSet: it observes the members, asks
// reconfig.Decide for one step and does it, until nothing is left to do.
type driver struct {
	t        *testing.T
	e        *harness.ApacheEnsemble
	password string
	pods     int32
	c        *reconfig.Client
	steps    []string // "Action ID" of every step taken
	voters   []int64  // voters of the last observation that read the config
}

// compact drops an entry equal to the one before it.
func compact(steps []string) []string { return slices.Compact(steps) }

func symmetricDiff(a, b []int64) int {
	n := 0
	for _, x := range a {
		if !slices.Contains(b, x) {
			n++
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			n++
		}
	}
	return n
}

func (d *driver) close() {
	if d.c != nil {
		d.c.Close()
	}
}

// client is the super-user session, dialled again after a failure (a Client whose call timed
// out is spent).
func (d *driver) client(ctx context.Context) *reconfig.Client {
	if d.c == nil {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		c, err := reconfig.Dial(cctx, d.e.Addrs(), d.password)
		if err != nil {
			d.t.Fatalf("dial: %v", err)
		}
		d.c = c
	}
	return d.c
}

func (d *driver) config(ctx context.Context) reconfig.Config {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	c, err := d.client(ctx).Config(cctx)
	if err != nil {
		d.t.Fatalf("read config: %v", err)
	}
	return c
}

// observe fills Decide's input as the reconciler does: pods (running members), srvr of each,
// mntr of the leader, and the config.
func (d *driver) observe(ctx context.Context, want int32, transferFrom int64) reconfig.Input {
	in := reconfig.Input{Want: want, Pods: d.pods, TransferFrom: transferFrom}
	for _, m := range d.e.Members() {
		if !m.Running() {
			continue
		}
		rm := reconfig.Member{ID: m.ID, PodExists: true}
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		text, err := fourlw.Query(qctx, m.Addr(), fourlw.CmdSrvr)
		if err == nil {
			if s, perr := fourlw.ParseSrvr(text); perr == nil && s.Mode.Serving() {
				rm.Ready, rm.Reachable, rm.Leader = true, true, s.Mode == fourlw.ModeLeader
			}
		}
		if rm.Leader {
			if text, err := fourlw.Query(qctx, m.Addr(), fourlw.CmdMntr); err == nil {
				if mn, err := fourlw.ParseMntr(text); err == nil {
					in.SyncedFollowers, in.SyncedNonVoting = mn.Stats.SyncedFollowers, mn.Stats.SyncedNonVotingFollowers
				}
			}
		}
		cancel()
		in.Members = append(in.Members, rm)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	c, err := d.client(ctx).Config(cctx)
	if err != nil {
		in.ConfigErr = err.Error()
		d.c.Close()
		d.c = nil
	}
	in.Config = c
	return in
}

// converge runs observe → Decide → act until Decide has nothing to do. Every reconfig must
// change the voters by exactly one and never leave fewer than three.
func (d *driver) converge(ctx context.Context, want int32, transferFrom int64) {
	d.t.Helper()
	lastWhy := ""
	for i := 0; i < maxSteps; i++ {
		if ctx.Err() != nil {
			d.t.Fatalf("converge to %d: %v (last: %s; steps %v)", want, ctx.Err(), lastWhy, d.steps)
		}
		in := d.observe(ctx, want, transferFrom)
		// One voter at a time: between two observations the voters differ by at most one
		// server, and never fall below three.
		if in.ConfigErr == "" {
			voters := in.Config.Voters()
			if d.voters != nil && symmetricDiff(d.voters, voters) > 1 {
				d.t.Fatalf("voters went %v → %v in one step", d.voters, voters)
			}
			if len(voters) < 3 {
				d.t.Fatalf("voters fell to %v", voters)
			}
			d.voters = voters
		}
		s := reconfig.Decide(in)
		lastWhy = s.Action.String() + ": " + s.Why
		switch s.Action {
		case reconfig.ActNone:
			return
		case reconfig.ActWait:
			time.Sleep(stepPause)
			continue
		case reconfig.ActGrow:
			// A joiner starts with the current members plus itself, as a participant.
			lines := strings.Split(strings.TrimSpace(in.Config.Text()), "\n")
			lines = append(lines[:len(lines)-1], d.e.ServerLine(s.ID)) // drop version=
			if _, err := d.e.Launch(s.ID, lines); err != nil {
				d.t.Fatal(err)
			}
			d.pods = s.Pods
		case reconfig.ActShrink:
			d.e.Member(s.ID).Terminate()
			d.pods = s.Pods
		case reconfig.ActAdd, reconfig.ActRemove:
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			var err error
			if s.Action == reconfig.ActAdd {
				err = d.client(ctx).Add(cctx, serverLine(d.t, d.e.ServerLine(s.ID)), s.FromVersion)
			} else {
				err = d.client(ctx).Remove(cctx, s.ID, s.FromVersion)
			}
			cancel()
			if err != nil {
				// Never retried blindly: the next pass re-observes and decides again (a
				// leader's removal often loses its answer in the hand-off: ErrIndeterminate).
				d.t.Logf("%s %d from %x: %v (re-observing)", s.Action, s.ID, s.FromVersion, err)
				if !errors.Is(err, reconfig.ErrBadVersion) {
					d.c.Close()
					d.c = nil
				}
				time.Sleep(stepPause)
			}
		}
		// Steps are logged as attempted; one whose answer was lost and that did not apply is
		// decided again, and appears once (see compact).
		d.steps = compact(append(d.steps, fmt.Sprintf("%s %d", s.Action, s.ID)))
		d.t.Logf("step %s %d (%s): %s", s.Action, s.ID, s.Purpose, s.Why)
	}
	d.t.Fatalf("converge to %d: not done after %d observations (last: %s)", want, maxSteps, lastWhy)
}

func (d *driver) expectSequence(t *testing.T, want []string) {
	t.Helper()
	if !slices.Equal(d.steps, want) {
		t.Fatalf("steps %v, want %v", d.steps, want)
	}
}

func (d *driver) expectMembers(ctx context.Context, voters []int64, pods int32) {
	d.t.Helper()
	if got := d.config(ctx).Voters(); !slices.Equal(got, voters) {
		d.t.Fatalf("voters %v, want %v", got, voters)
	}
	if d.pods != pods {
		d.t.Fatalf("pods %d, want %d", d.pods, pods)
	}
}

// leader is the id of the one serving leader.
func (d *driver) leader(ctx context.Context) int64 {
	d.t.Helper()
	in := d.observe(ctx, 0, 0)
	var ids []int64
	for _, m := range in.Members {
		if m.Leader {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) != 1 {
		d.t.Fatalf("leaders %v", ids)
	}
	return ids[0]
}

// waitSynced waits until the leader counts every one of voters synced.
func (d *driver) waitSynced(ctx context.Context, voters int64) {
	d.t.Helper()
	for ctx.Err() == nil {
		in := d.observe(ctx, 0, 0)
		if 1+in.SyncedFollowers-in.SyncedNonVoting >= voters {
			return
		}
		time.Sleep(stepPause)
	}
	d.t.Fatalf("the leader never counted %d voters synced", voters)
}

func serverLine(t *testing.T, text string) zoocfg.ServerLine {
	t.Helper()
	key, value, _ := strings.Cut(text, "=")
	l, err := zoocfg.ParseServerLine(key, value)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func randomPassword(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

// writer creates /w/nNNNNNN nodes one after another through any member and remembers the
// ones the ensemble acknowledged. A failed create is not retried under the same name (it may
// have committed), so every acknowledged name was acknowledged exactly once.
type writer struct {
	mu     sync.Mutex
	acked  []string
	failed int
	last   time.Time     // when the last write was acknowledged
	maxGap time.Duration // longest time between two acknowledged writes
	quit   chan struct{}
	done   chan struct{}
}

func startWriter(t *testing.T, addrs []string) *writer {
	t.Helper()
	conn, _, err := zk.Connect(addrs, 10*time.Second, zk.WithLogger(quiet{}), zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{quit: make(chan struct{}), done: make(chan struct{})}
	deadline := time.Now().Add(callTimeout)
	for {
		_, err := conn.Create("/w", nil, 0, zk.WorldACL(zk.PermAll))
		if err == nil || errors.Is(err, zk.ErrNodeExists) {
			break
		}
		if time.Now().After(deadline) {
			conn.Close()
			t.Fatalf("create /w: %v", err)
		}
		time.Sleep(stepPause)
	}
	go func() {
		defer close(w.done)
		defer conn.Close()
		for i := 0; i < maxWrites; i++ {
			select {
			case <-w.quit:
				return
			default:
			}
			path := fmt.Sprintf("/w/n%06d", i)
			_, err := conn.Create(path, nil, 0, zk.WorldACL(zk.PermAll))
			w.mu.Lock()
			if err == nil {
				w.acked = append(w.acked, path)
				now := time.Now()
				if !w.last.IsZero() {
					w.maxGap = max(w.maxGap, now.Sub(w.last))
				}
				w.last = now
			} else {
				w.failed++
			}
			w.mu.Unlock()
			// Paced: the point is writes throughout, not load on two shared cores.
			time.Sleep(10 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

func (w *writer) stop() []string {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.acked...)
}

// checkWrites reads /w through addr alone (after a sync) and fails t for every acknowledged
// write it lacks.
func checkWrites(ctx context.Context, t *testing.T, addr string, acked []string) {
	t.Helper()
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quiet{}), zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for connected := false; !connected; {
		select {
		case ev := <-events:
			connected = ev.State == zk.StateHasSession
		case <-ctx.Done():
			t.Fatalf("connect %s: %v", addr, ctx.Err())
		}
	}
	if _, err := conn.Sync("/w"); err != nil {
		t.Fatalf("sync %s: %v", addr, err)
	}
	children, _, err := conn.Children("/w")
	if err != nil {
		t.Fatalf("children at %s: %v", addr, err)
	}
	have := map[string]bool{}
	for _, c := range children {
		have["/w/"+c] = true
	}
	missing := 0
	for _, p := range acked {
		if !have[p] {
			missing++
			if missing <= 5 {
				t.Errorf("%s lacks acknowledged %s", addr, p)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%s lacks %d of %d acknowledged writes", addr, missing, len(acked))
	}
}
