package zoocfg

import (
	"fmt"
	"strings"
)

// LearnerType is the role a server line or peerType gives a member (QuorumPeer.LearnerType):
// a participant votes, an observer only follows.
type LearnerType int

const (
	Participant LearnerType = iota
	Observer
)

func (t LearnerType) String() string {
	switch t {
	case Participant:
		return "participant"
	case Observer:
		return "observer"
	}
	return fmt.Sprintf("LearnerType(%d)", int(t))
}

// parseLearnerType accepts the two names case-insensitively, as QuorumServer.getType does.
func parseLearnerType(s string) (LearnerType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "participant":
		return Participant, nil
	case "observer":
		return Observer, nil
	}
	return 0, fmt.Errorf("%w: unrecognised peer type %q (participant or observer)", ErrInvalid, s)
}
