package session

import "crypto/subtle"

// passwordSecret is ZooKeeperServer's superSecret: mixed into the session id to seed the
// password generator. Being a constant shared by every server is what lets a client present
// its password to any server of the ensemble after a reconnect.
const passwordSecret int64 = 0xB3415C00

// PasswordBytes is the length of a session password (ZooKeeperServer.generatePasswd).
const PasswordBytes = 16

// Password returns the session password ZooKeeper issues for sessionID:
// new java.util.Random(sessionID ^ superSecret).nextBytes(new byte[16]).
func Password(sessionID int64) []byte {
	p := make([]byte, PasswordBytes)
	newJavaRandom(sessionID ^ passwordSecret).nextBytes(p)
	return p
}

// CheckPassword reports whether passwd is the password of sessionID. Session id 0 never
// validates (ZooKeeperServer.checkPasswd), because 0 is what a client sends for a new session.
// The comparison takes the same time whatever the bytes, so it leaks nothing about the
// expected password.
func CheckPassword(sessionID int64, passwd []byte) bool {
	if sessionID == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(passwd, Password(sessionID)) == 1
}
