package quorum

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// REVALIDATE (6) on the learner link (Learner.validateSession, LearnerHandler's REVALIDATE
// case): a client reconnects to a learner with an existing session; before it answers, the
// learner asks the leader whether the session is still valid. The leader touches the session
// and, when valid, makes this learner the session's owner, so a request of the same session
// arriving later through another server is refused with SessionMoved (ZOOKEEPER-710).
//
//   - learner → leader: sessionId (long), timeout (int)
//   - leader → learner: sessionId (long), valid (boolean: one byte, 0 or 1)
//
// Both with zxid -1, as ZooKeeper sends them.
const msgRevalidate = zab.MessageType(6)

const (
	revalidateAskBytes    = 8 + 4
	revalidateAnswerBytes = 8 + 1
)

// ErrRevalidateTimeout: the leader did not answer a REVALIDATE in time.
var ErrRevalidateTimeout = fmt.Errorf("quorum: no answer to REVALIDATE from the leader")

func encodeRevalidateAsk(sessionID int64, timeoutMillis int32) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, revalidateAskBytes), uint64(sessionID))
	return binary.BigEndian.AppendUint32(b, uint32(timeoutMillis))
}

func decodeRevalidateAsk(b []byte) (sessionID int64, timeoutMillis int32, err error) {
	if len(b) != revalidateAskBytes {
		return 0, 0, fmt.Errorf("%w: REVALIDATE request carries %d bytes", ErrMalformed, len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), int32(binary.BigEndian.Uint32(b[8:])), nil
}

func encodeRevalidateAnswer(sessionID int64, valid bool) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, revalidateAnswerBytes), uint64(sessionID))
	if valid {
		return append(b, 1)
	}
	return append(b, 0)
}

func decodeRevalidateAnswer(b []byte) (sessionID int64, valid bool, err error) {
	if len(b) != revalidateAnswerBytes || b[8] > 1 {
		return 0, false, fmt.Errorf("%w: REVALIDATE answer carries %d bytes", ErrMalformed, len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), b[8] == 1, nil
}

// revalidations are a learner's REVALIDATEs waiting for the leader's answer, by session.
type revalidations struct {
	mu      sync.Mutex
	waiting map[int64][]chan bool
}

func (rv *revalidations) add(sessionID int64) chan bool {
	ch := make(chan bool, 1)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.waiting == nil {
		rv.waiting = map[int64][]chan bool{}
	}
	rv.waiting[sessionID] = append(rv.waiting[sessionID], ch)
	return ch
}

func (rv *revalidations) remove(sessionID int64, ch chan bool) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	ws := rv.waiting[sessionID]
	for i, w := range ws {
		if w == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(rv.waiting, sessionID)
	} else {
		rv.waiting[sessionID] = ws
	}
}

// answer hands the leader's answer to every reconnect of sessionID waiting for one.
func (rv *revalidations) answer(sessionID int64, valid bool) {
	rv.mu.Lock()
	ws := rv.waiting[sessionID]
	delete(rv.waiting, sessionID)
	rv.mu.Unlock()
	for _, ch := range ws {
		ch <- valid
	}
}

// Revalidate asks the leader (REVALIDATE) whether session sessionID, reconnecting to this
// learner with timeoutMillis, is valid, and waits up to wait for the answer. A valid session
// is owned by this learner from then on (the leader refuses its requests through any other
// server with SessionMoved). It fails with a *NotLeaderError when the member is not a learner
// in broadcast, and with ErrRevalidateTimeout when no answer comes.
func (m *Member) Revalidate(sessionID int64, timeoutMillis int32, wait time.Duration) (bool, error) {
	st := m.Status()
	l := m.link.Load()
	if !st.Established || (st.Role != zab.RoleFollowing && st.Role != zab.RoleObserving) || l == nil || l.leader != st.Leader {
		return false, &NotLeaderError{}
	}
	ch := m.qnet.reval.add(sessionID)
	defer m.qnet.reval.remove(sessionID, ch)
	m.qnet.send(zab.Message{Type: msgRevalidate, To: l.leader, Conn: l.conn, Data: encodeRevalidateAsk(sessionID, timeoutMillis)})
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case valid := <-ch:
		return valid, nil
	case <-t.C:
		return false, ErrRevalidateTimeout
	case <-m.done:
		return false, m.stoppedErr()
	}
}
