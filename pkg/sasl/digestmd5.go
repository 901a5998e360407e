package sasl

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrAuth is wrapped by every failed exchange; ZooKeeper answers it with AuthFailed and closes
// the connection.
var ErrAuth = errors.New("sasl: DIGEST-MD5 authentication failed")

// The names ZooKeeper's server runs DIGEST-MD5 under (ZooKeeperSaslServer.createSaslServer).
const (
	Protocol   = "zookeeper"
	ServerName = "zk-sasl-md5"
)

type digestState int

const (
	awaitInitial  digestState = iota // the client's empty initial token
	awaitResponse                    // the digest-response to our challenge
	complete
	failed
)

// DigestServer is one DIGEST-MD5 exchange, server side (RFC 2831 section 2.1, qop auth):
//
//	client: empty token → server: challenge (realm, nonce, qop="auth", charset, algorithm)
//	client: digest-response → server: rspauth (mutual authentication), complete.
type DigestServer struct {
	password func(user string) (string, bool)
	nonce    string
	state    digestState
	authzID  string
}

// NewDigestServer starts an exchange. password looks a user's password up; nonce must be
// fresh and unpredictable (16+ random bytes; the caller owns randomness).
func NewDigestServer(password func(user string) (string, bool), nonce []byte) *DigestServer {
	return &DigestServer{password: password, nonce: base64.StdEncoding.EncodeToString(nonce)}
}

// Complete reports whether the client has authenticated.
func (s *DigestServer) Complete() bool { return s.state == complete }

// AuthorizationID is the authenticated user (ZooKeeper's authorizedID: the user name; an
// authzid the client sends is not honoured, as SaslServerCallbackHandler sets it from the
// authentication id). Valid once Complete.
func (s *DigestServer) AuthorizationID() string { return s.authzID }

// Step evaluates one client token and returns the token to send back.
func (s *DigestServer) Step(token []byte) ([]byte, error) {
	switch s.state {
	case awaitInitial:
		if len(token) != 0 {
			s.state = failed
			return nil, fmt.Errorf("%w: DIGEST-MD5 has no initial response, got %d bytes", ErrAuth, len(token))
		}
		s.state = awaitResponse
		return []byte(fmt.Sprintf(`realm="%s",nonce="%s",qop="auth",charset=utf-8,algorithm=md5-sess`, ServerName, s.nonce)), nil
	case awaitResponse:
		rsp, err := s.verify(token)
		if err != nil {
			s.state = failed
			return nil, err
		}
		s.state = complete
		return rsp, nil
	}
	if s.state == complete {
		return nil, fmt.Errorf("%w: exchange already complete", ErrAuth)
	}
	return nil, fmt.Errorf("%w: exchange already failed", ErrAuth)
}

func (s *DigestServer) verify(token []byte) ([]byte, error) {
	d, err := parseDirectives(string(token))
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"username", "nonce", "cnonce", "nc", "response", "digest-uri"} {
		if _, ok := d[k]; !ok {
			return nil, fmt.Errorf("%w: response has no %s", ErrAuth, k)
		}
	}
	if d["nonce"] != s.nonce {
		return nil, fmt.Errorf("%w: nonce mismatch", ErrAuth)
	}
	if d["nc"] != "00000001" {
		return nil, fmt.Errorf("%w: nonce count %q, want 00000001", ErrAuth, d["nc"])
	}
	qop := d["qop"]
	if qop == "" {
		qop = "auth"
	}
	if qop != "auth" {
		return nil, fmt.Errorf("%w: qop %q not offered (auth only)", ErrAuth, qop)
	}
	proto, host, _ := strings.Cut(d["digest-uri"], "/")
	if proto != Protocol || !strings.EqualFold(strings.SplitN(host, "/", 2)[0], ServerName) {
		return nil, fmt.Errorf("%w: digest-uri %q, want %s/%s", ErrAuth, d["digest-uri"], Protocol, ServerName)
	}
	user := d["username"]
	pw, ok := s.password(user)
	if !ok {
		return nil, fmt.Errorf("%w: unknown user %q", ErrAuth, user)
	}
	ha1 := hashA1(user, d["realm"], pw, s.nonce, d["cnonce"], d["authzid"])
	want := kdHex(ha1, s.nonce, d["nc"], d["cnonce"], qop, md5Hex("AUTHENTICATE:"+d["digest-uri"]))
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(d["response"])), []byte(want)) != 1 {
		return nil, fmt.Errorf("%w: wrong password for user %q", ErrAuth, user)
	}
	s.authzID = user
	rspauth := kdHex(ha1, s.nonce, d["nc"], d["cnonce"], qop, md5Hex(":"+d["digest-uri"]))
	return []byte("rspauth=" + rspauth), nil
}

// hashA1 is HEX(H(A1)) for md5-sess: A1 = H(user:realm:password) ":" nonce ":" cnonce
// [":" authzid].
func hashA1(user, realm, password, nonce, cnonce, authzid string) string {
	inner := md5.Sum([]byte(user + ":" + realm + ":" + password))
	a1 := append(inner[:], []byte(":"+nonce+":"+cnonce)...)
	if authzid != "" {
		a1 = append(a1, []byte(":"+authzid)...)
	}
	return md5Hex(string(a1))
}

// kdHex is HEX(KD(ha1, nonce:nc:cnonce:qop:ha2)), KD(k, s) = H(k:s).
func kdHex(ha1, nonce, nc, cnonce, qop, ha2 string) string {
	return md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parseDirectives reads `key=value, key="quoted \" value", ...` (RFC 2831 section 7.1). A
// directive given twice is an error, as the RFC requires for the ones we read.
func parseDirectives(s string) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return nil, fmt.Errorf("%w: malformed directive at %q", ErrAuth, s[i:])
		}
		key := strings.ToLower(strings.TrimSpace(s[i : i+eq]))
		i += eq + 1
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value of %s", ErrAuth, key)
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' {
				j++
			}
			val.WriteString(strings.TrimSpace(s[i:j]))
			i = j
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%w: directive %s given twice", ErrAuth, key)
		}
		out[key] = val.String()
	}
	return out, nil
}
