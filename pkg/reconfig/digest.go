package reconfig

import (
	"crypto/sha1" //nolint:gosec // ZooKeeper's digest scheme is SHA-1; the format is not ours to choose
	"encoding/base64"
)

// SuperUser is the user name ZooKeeper's DigestAuthenticationProvider treats as super when its
// digest matches DigestAuthenticationProvider.superDigest.
const SuperUser = "super"

// SuperDigest is the value of DigestAuthenticationProvider.superDigest for password:
// "super:" + base64(sha1("super:" + password)), as DigestAuthenticationProvider.generateDigest
// computes it. The servers keep only this; the operator keeps the password (in a Secret) and
// authenticates with Client's "super:<password>".
func SuperDigest(password string) string {
	sum := sha1.Sum([]byte(SuperUser + ":" + password)) //nolint:gosec
	return SuperUser + ":" + base64.StdEncoding.EncodeToString(sum[:])
}
