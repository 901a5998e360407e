package server

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// The server half of the AdminServer's commands that need the tree (pkg/cmd/admin.go serves
// HTTP): authorising a command the way ZooKeeper's Commands.runCommand does, and the snapshot
// command's content.

// AdminAuthorize checks an AdminServer request for a command that needs perm on path, as
// Commands.handleAuthentication and handleAuthorization do: the Authorization header is
// "<scheme>[ <auth>]" ("digest user:password", or "ip" to use the caller's address), the ids
// it authenticates must hold perm in the node's ACL. It returns the HTTP status and, for a
// refusal, ZooKeeper's error text.
func (s *Server) AdminAuthorize(authorization, remoteIP, path string, perm protocol.Perm) (int, string) {
	if authorization == "" {
		return http.StatusUnauthorized, "Auth info is missing for the command"
	}
	parts := strings.Split(authorization, " ")
	if len(parts) != 1 && len(parts) != 2 {
		return http.StatusUnauthorized, "Not authenticated"
	}
	var ids []jute.Id
	switch parts[0] {
	case acl.SchemeIP:
		// IPAuthenticationProvider.handleAuthentication(request, ...): the caller's address.
		ids = []jute.Id{acl.IPIDFromHost(remoteIP)}
	default:
		if len(parts) != 2 {
			return http.StatusUnauthorized, "Not authenticated"
		}
		var err error
		if ids, err = acl.Authenticate(parts[0], []byte(parts[1]), s.cfg.SuperDigest); err != nil || len(ids) == 0 {
			return http.StatusUnauthorized, "Not authenticated"
		}
	}
	s.treeMu.RLock()
	n, ok := s.tree.Node(path)
	s.treeMu.RUnlock()
	if !ok {
		return http.StatusInternalServerError, "Error occurred during auth"
	}
	// handleAuthorization checks each bit of perm on its own; Check with the whole mask
	// would accept an entry granting any one of them.
	for bit := protocol.Perm(1); bit <= perm; bit <<= 1 {
		if perm&bit != 0 && !acl.Check(n.ACL, bit, ids) {
			return http.StatusForbidden, "Not authorized"
		}
	}
	return http.StatusOK, ""
}

// ErrNotServing: the server has no tree to snapshot yet (an ensemble member still syncing).
var ErrNotServing = errors.New("server: not serving")

// ZKSnapshot is the snapshot command's content: the tree and the live sessions captured at one
// zxid, as an Apache ZooKeeper snapshot file (zkimport.ExportSnapshot). Unlike ZooKeeper's
// fuzzy snapshot, which needs the txn log after it to be consistent, the capture holds the
// tree's read lock while it encodes, so the file alone is the state at that zxid; writes wait
// meanwhile (measured in docs/storage.md).
func (s *Server) ZKSnapshot() ([]byte, int64, error) {
	if !s.serving.Load() {
		return nil, 0, ErrNotServing
	}
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	st := Restored{Tree: s.tree, Sessions: infos, Zxid: s.tree.LastProcessedZxid()}
	var buf bytes.Buffer
	if _, err := st.WriteZKSnapshot(&buf); err != nil {
		return nil, 0, err
	}
	zxid := st.Zxid
	return buf.Bytes(), zxid, nil
}
