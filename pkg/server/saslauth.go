package server

import (
	"crypto/rand"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/sasl"
)

// SASLConfig is client SASL authentication with DIGEST-MD5, configured as ZooKeeper's is: a
// JAAS "Server" section with user_<name>="<password>" options (pkg/sasl).
type SASLConfig struct {
	// Users are the DIGEST-MD5 credentials: name → password.
	Users map[string]string
	// SuperUsers are the zookeeper.superUser[.N] values: an authorization id among them also
	// gets the super id (ZooKeeperServer.isSaslSuperUser).
	SuperUsers []string
	// SuperPassword is zookeeper.SASLAuthenticationProvider.superPassword: the password of the
	// user "super", overriding the JAAS one (SaslServerCallbackHandler).
	SuperPassword string
}

func (c *SASLConfig) password(user string) (string, bool) {
	if user == "super" && c.SuperPassword != "" {
		return c.SuperPassword, true
	}
	pw, ok := c.Users[user]
	return pw, ok
}

// saslStep runs one step of c's exchange, as ZooKeeperServer.processSasl: on completion the
// connection gets the id sasl:<authorization id> (and super for a super user); a failure is
// answered AuthFailed with a null token and the connection closes.
func (s *Server) saslStep(c *conn, xid int32, token []byte) error {
	if c.sasl == nil {
		nonce := make([]byte, 24)
		if _, err := rand.Read(nonce); err != nil {
			return err
		}
		c.sasl = sasl.NewDigestServer(s.cfg.SASL.password, nonce)
	}
	out, err := c.sasl.Step(token)
	if err != nil {
		s.logger.Warn("client failed to SASL authenticate; closing the connection", "client", c.remote,
			"session", hexID(c.sessionID.Load()), "err", err)
		c.send(replyFrame(xid, 0, protocol.ErrAuthFailed, &jute.SetSASLResponse{}))
		c.closeAfterFlush("SASL authentication failed")
		return errStopReading
	}
	if c.sasl.Complete() {
		id := c.sasl.AuthorizationID()
		c.addAuthID(jute.Id{Scheme: acl.SchemeSASL, ID: id})
		s.logger.Info("SASL authenticated", "client", c.remote, "session", hexID(c.sessionID.Load()), "id", id)
		for _, su := range s.cfg.SASL.SuperUsers {
			if su != "" && su == id {
				c.addAuthID(jute.Id{Scheme: acl.SchemeSuper, ID: ""})
				s.logger.Info("SASL id is a super user", "session", hexID(c.sessionID.Load()), "id", id)
				break
			}
		}
	}
	c.send(replyFrame(xid, 0, protocol.ErrOk, &jute.SetSASLResponse{Token: out}))
	return nil
}
