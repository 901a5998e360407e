package acl

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// DigestID is the digest scheme's id for "user:password": "user:" + base64(sha1("user:password"))
// (DigestAuthenticationProvider.generateDigest with the default SHA1 algorithm). The user is
// everything before the first ':'; without a ':' the whole text is the user.
func DigestID(userColonPassword string) string {
	user, _, _ := strings.Cut(userColonPassword, ":")
	sum := sha1.Sum([]byte(userColonPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// validDigestID is DigestAuthenticationProvider.isValid: Java's id.split(":") must give exactly
// two parts, so "user:hash" and ":hash" and "user:hash:" are valid, "user:" and "a:b:c" are not.
func validDigestID(id string) bool {
	return len(javaSplit(id, ":")) == 2
}

// javaSplit is Java's String.split(sep) for a literal separator: trailing empty strings are
// dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 && s == "" {
		return []string{""}
	}
	return parts
}

// Authenticate turns an addauth packet into the ids the session gains.
//   - "digest": auth is "user:password"; the session gains digest:DigestID(auth), preceded by
//     super:"" when that id equals superDigest (zoo.cfg DigestAuthenticationProvider.superDigest,
//     empty when unset). ZooKeeper never refuses a digest: text without ':' is a user with
//     no password.
//   - "ip": ZooKeeper's ip provider adds the connection's own address, which the session
//     already holds (IPID), so the result is empty and the reply Ok.
//   - any other scheme (including "super", "world", "sasl", "x509"): an error wrapping
//     ErrUnknownScheme and protocol.ErrAuthFailed.
func Authenticate(scheme string, auth []byte, superDigest string) ([]jute.Id, error) {
	switch scheme {
	case SchemeDigest:
		id := DigestID(string(auth))
		if superDigest != "" && id == superDigest {
			return []jute.Id{{Scheme: SchemeSuper, ID: ""}, {Scheme: SchemeDigest, ID: id}}, nil
		}
		return []jute.Id{{Scheme: SchemeDigest, ID: id}}, nil
	case SchemeIP:
		return nil, nil
	}
	return nil, fmt.Errorf("%w %q: %w", ErrUnknownScheme, scheme, protocol.ErrAuthFailed)
}

// WhoAmI lists a session's ids as the whoAmI reply does (AuthUtil.getClientInfos): the scheme
// and the user name its provider reports — the user part of a digest id, the address of an ip
// id, and "" for schemes without a provider (super).
func WhoAmI(ids []jute.Id) []jute.ClientInfo {
	out := make([]jute.ClientInfo, 0, len(ids))
	for _, id := range ids {
		user := ""
		switch id.Scheme {
		case SchemeDigest:
			user = javaSplit(id.ID, ":")[0]
		case SchemeIP, SchemeX509, SchemeSASL:
			user = id.ID
		}
		out = append(out, jute.ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}
