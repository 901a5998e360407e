package session

import (
	"encoding/hex"
	"testing"
)

// Expected passwords computed with OpenJDK 17 the way ZooKeeperServer.generatePasswd does:
// new Random(id ^ 0xB3415C00L).nextBytes(new byte[16]).
var passwordVectors = []struct {
	id   int64
	want string
}{
	{0, "f22acd4a97e69d6d20a49bb638eadb38"},
	{1, "054cc74a37327db215e702e20c73f005"},
	// Random keeps only the low 48 bits of its seed, so ids differing only in the server
	// byte share a password (a property of ZooKeeper's scheme, kept for compatibility).
	{0x100000000000001, "054cc74a37327db215e702e20c73f005"},
	{0x0188f3c1a2b30000, "0f2e01d7f0474bdf050df0ceb95126b4"},
	{-1, "20f62cb5648dc2d771471c8a2486a9ee"},
	{0x7fffffffffffffff, "20f62cb5648dc2d771471c8a2486a9ee"},
}

func TestPassword(t *testing.T) {
	for _, tc := range passwordVectors {
		if got := hex.EncodeToString(Password(tc.id)); got != tc.want {
			t.Errorf("Password(%#x) = %s, want %s", tc.id, got, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	good := Password(0x0188f3c1a2b30000)
	flipped := append([]byte(nil), good...)
	flipped[15] ^= 1
	tests := []struct {
		name   string
		id     int64
		passwd []byte
		want   bool
	}{
		{"own password", 0x0188f3c1a2b30000, good, true},
		{"one bit off", 0x0188f3c1a2b30000, flipped, false},
		{"short", 0x0188f3c1a2b30000, good[:15], false},
		{"long", 0x0188f3c1a2b30000, append(append([]byte(nil), good...), 0), false},
		{"nil", 0x0188f3c1a2b30000, nil, false},
		{"other session's", 0x0188f3c1a2b30001, good, false},
		{"zero ids never validate", 0, Password(0), false},
		{"zero bytes for a new session", 0x0188f3c1a2b30000, make([]byte, 16), false},
	}
	for _, tc := range tests {
		if got := CheckPassword(tc.id, tc.passwd); got != tc.want {
			t.Errorf("%s: CheckPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
}
