package topology

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// ErrPodName is wrapped by every error about a pod name that is not <set>-<ordinal>.
var ErrPodName = errors.New("topology: pod name is not <statefulset>-<ordinal>")

// ErrOrdinal is wrapped when an ordinal has no server id: ids are 1..zoocfg.MaxServerID
// because ZooKeeper puts the id in the high byte of session ids.
var ErrOrdinal = errors.New("topology: ordinal out of range")

// MaxOrdinal is the largest ordinal that has a server id.
const MaxOrdinal = zoocfg.MaxServerID - 1

// ServerID is the myid of the member with this StatefulSet ordinal. Ordinals start at 0 and
// ZooKeeper ids at 1 (0 is not a valid id in QuorumPeerConfig), hence the +1.
func ServerID(ordinal int) (int64, error) {
	if ordinal < 0 || ordinal > MaxOrdinal {
		return 0, fmt.Errorf("%w: %d must be 0..%d", ErrOrdinal, ordinal, MaxOrdinal)
	}
	return int64(ordinal) + 1, nil
}

// OrdinalOf is the StatefulSet ordinal of server id (the inverse of ServerID).
func OrdinalOf(serverID int64) (int, error) {
	if serverID < 1 || serverID > zoocfg.MaxServerID {
		return 0, fmt.Errorf("%w: server id %d must be 1..%d", ErrOrdinal, serverID, zoocfg.MaxServerID)
	}
	return int(serverID - 1), nil
}

// PodName is the name of the pod with this ordinal in StatefulSet set.
func PodName(set string, ordinal int) string { return set + "-" + strconv.Itoa(ordinal) }

// Ordinal parses the ordinal at the end of a StatefulSet pod name ("zk-2" → 2). The StatefulSet
// controller writes it in decimal without leading zeros; anything else is refused rather than
// guessed, since a wrong id would make a member impersonate another.
func Ordinal(podName string) (int, error) {
	i := strings.LastIndexByte(podName, '-')
	// A set name is a DNS label, so it neither is empty nor ends in '-'.
	if i <= 0 || i == len(podName)-1 || podName[i-1] == '-' {
		return 0, fmt.Errorf("%w: %q", ErrPodName, podName)
	}
	digits := podName[i+1:]
	if len(digits) > 1 && digits[0] == '0' {
		return 0, fmt.Errorf("%w: %q: ordinal has a leading zero", ErrPodName, podName)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q: %q is not an ordinal", ErrPodName, podName, digits)
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrPodName, podName, err)
	}
	return n, nil
}

// MyIDFromPodName is the server id of the member running in pod podName: ordinal + 1.
func MyIDFromPodName(podName string) (int64, error) {
	ord, err := Ordinal(podName)
	if err != nil {
		return 0, err
	}
	id, err := ServerID(ord)
	if err != nil {
		return 0, fmt.Errorf("pod %q: %w", podName, err)
	}
	return id, nil
}
