package quorum

import (
	"errors"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

func TestRevalidateCodec(t *testing.T) {
	id, to, err := decodeRevalidateAsk(encodeRevalidateAsk(-0x3a201c9ba9b0000, 30000))
	if err != nil || id != -0x3a201c9ba9b0000 || to != 30000 {
		t.Fatalf("ask round trip: %x %d %v", id, to, err)
	}
	for _, valid := range []bool{true, false} {
		id, v, err := decodeRevalidateAnswer(encodeRevalidateAnswer(7, valid))
		if err != nil || id != 7 || v != valid {
			t.Fatalf("answer round trip (%v): %d %v %v", valid, id, v, err)
		}
	}
	for _, bad := range [][]byte{nil, make([]byte, 11), make([]byte, 13)} {
		if _, _, err := decodeRevalidateAsk(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ask of %d bytes: %v", len(bad), err)
		}
	}
	if _, _, err := decodeRevalidateAnswer(append(encodeRevalidateAnswer(1, true)[:8], 2)); !errors.Is(err, ErrMalformed) {
		t.Errorf("answer with boolean byte 2: %v", err)
	}
	// On the wire it is ZooKeeper's REVALIDATE: type 6, zxid -1, the data as is.
	m := zab.Message{Type: msgRevalidate, Data: encodeRevalidateAsk(5, 4000)}
	qp, err := ToPacket(m, 2)
	if err != nil || qp.Type != 6 || qp.Zxid != -1 || string(qp.Data) != string(m.Data) {
		t.Fatalf("ToPacket: %+v %v", qp, err)
	}
	back, _, err := FromPacket(qp)
	if err != nil || back.Type != msgRevalidate || string(back.Data) != string(m.Data) {
		t.Fatalf("FromPacket: %+v %v", back, err)
	}
	// Both sides of a link may carry it.
	if !expectedOn(true, msgRevalidate) || !expectedOn(false, msgRevalidate) {
		t.Error("REVALIDATE refused on a link side")
	}
}

func TestRevalidationsAnswerEveryWaiter(t *testing.T) {
	var rv revalidations
	a, b, other := rv.add(1), rv.add(1), rv.add(2)
	rv.answer(1, true)
	if !<-a || !<-b {
		t.Fatal("waiters of session 1 not answered true")
	}
	select {
	case v := <-other:
		t.Fatalf("session 2 answered %v by session 1's answer", v)
	default:
	}
	rv.remove(2, other)
	rv.answer(2, true) // nobody waits: must not block
	if len(rv.waiting) != 0 {
		t.Errorf("waiting left: %v", rv.waiting)
	}
}
