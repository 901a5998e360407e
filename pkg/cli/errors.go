package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Kinds of failure. Every error Execute returns wraps one of these; its Error() text is exactly
// what zkCli prints on stderr for the same failure.
var (
	// ErrUsage: the command line is malformed (missing argument, unknown flag, bad value).
	ErrUsage = errors.New("cli: usage")
	// ErrCommandNotFound: the first word is not a command.
	ErrCommandNotFound = errors.New("cli: command not found")
	// ErrBadPath: the path fails ZooKeeper's client-side validation (PathUtils.validatePath).
	ErrBadPath = errors.New("cli: malformed path")
	// ErrServer: the server answered with an error code.
	ErrServer = errors.New("cli: server error")
	// ErrNotConnected: the command needs a session and there is none.
	ErrNotConnected = errors.New("cli: not connected")
	// ErrNotSupported: the client library cannot send this request.
	ErrNotSupported = errors.New("cli: not supported by this client yet")
)

// cliError carries zkCli's message for a failure and the sentinel it belongs to.
type cliError struct {
	kind error
	msg  string
	code protocol.ErrCode // for ErrServer
	// onStdout: zkCli reports this one on stdout (Not connected); ExecTokens prints it there.
	onStdout bool
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.kind }

func usageErr(format string, a ...any) error {
	return &cliError{kind: ErrUsage, msg: fmt.Sprintf(format, a...)}
}

// libErrors maps go-zookeeper's sentinel errors back to ZooKeeper's codes, so that messages can
// be rendered the way the Java client renders KeeperException.
var libErrors = map[error]protocol.ErrCode{
	zk.ErrAPIError: protocol.ErrAPIError, zk.ErrNoNode: protocol.ErrNoNode,
	zk.ErrNoAuth: protocol.ErrNoAuth, zk.ErrBadVersion: protocol.ErrBadVersion,
	zk.ErrNoChildrenForEphemerals: protocol.ErrNoChildrenForEphemerals,
	zk.ErrNodeExists:              protocol.ErrNodeExists, zk.ErrNotEmpty: protocol.ErrNotEmpty,
	zk.ErrSessionExpired: protocol.ErrSessionExpired, zk.ErrInvalidACL: protocol.ErrInvalidACL,
	zk.ErrAuthFailed: protocol.ErrAuthFailed, zk.ErrSessionMoved: protocol.ErrSessionMoved,
	zk.ErrReconfigDisabled: protocol.ErrReconfigDisabled, zk.ErrBadArguments: protocol.ErrBadArguments,
	zk.ErrConnectionClosed: protocol.ErrConnectionLoss, zk.ErrClosing: protocol.ErrConnectionLoss,
	zk.ErrNoServer: protocol.ErrConnectionLoss,
}

// ErrCodeOf returns the ZooKeeper error code behind err, whether err came from go-zookeeper
// (a sentinel, or "unknown error: N" for codes it has no sentinel for), from our side channel
// (protocol.ErrCode), or from Execute. ok is false for errors that are not server codes.
func ErrCodeOf(err error) (protocol.ErrCode, bool) {
	var ce *cliError
	if errors.As(err, &ce) && ce.kind == ErrServer {
		return ce.code, true
	}
	var pc protocol.ErrCode
	if errors.As(err, &pc) {
		return pc, true
	}
	for sentinel, code := range libErrors {
		if errors.Is(err, sentinel) {
			return code, true
		}
	}
	// go-zookeeper v1.0.4 formats codes it has no sentinel for (Unimplemented, NoWatcher, ...)
	// with fmt.Errorf("unknown error: %v", code), unwrapped.
	var n int32
	if _, scanErr := fmt.Sscanf(err.Error(), "unknown error: %d", &n); scanErr == nil {
		return protocol.ErrCode(n), true
	}
	return 0, false
}

// codeMessage is KeeperException.getCodeMessage: the Java client's wording of each code.
func codeMessage(c protocol.ErrCode) string {
	switch c {
	case protocol.ErrOk:
		return "ok"
	case protocol.ErrSystemError:
		return "SystemError"
	case protocol.ErrRuntimeInconsistency:
		return "RuntimeInconsistency"
	case protocol.ErrDataInconsistency:
		return "DataInconsistency"
	case protocol.ErrConnectionLoss:
		return "ConnectionLoss"
	case protocol.ErrMarshallingError:
		return "MarshallingError"
	case protocol.ErrNewConfigNoQuorum:
		return "NewConfigNoQuorum"
	case protocol.ErrReconfigInProgress:
		return "ReconfigInProgress"
	case protocol.ErrUnimplemented:
		return "Unimplemented"
	case protocol.ErrOperationTimeout:
		return "OperationTimeout"
	case protocol.ErrBadArguments:
		return "BadArguments"
	case protocol.ErrAPIError:
		return "APIError"
	case protocol.ErrNoNode:
		return "NoNode"
	case protocol.ErrNoAuth:
		return "NoAuth"
	case protocol.ErrBadVersion:
		return "BadVersion"
	case protocol.ErrNoChildrenForEphemerals:
		return "NoChildrenForEphemerals"
	case protocol.ErrNodeExists:
		return "NodeExists"
	case protocol.ErrInvalidACL:
		return "InvalidACL"
	case protocol.ErrAuthFailed:
		return "AuthFailed"
	case protocol.ErrNotEmpty:
		return "Directory not empty"
	case protocol.ErrSessionExpired:
		return "Session expired"
	case protocol.ErrInvalidCallback:
		return "Invalid callback"
	case protocol.ErrSessionMoved:
		return "Session moved"
	case protocol.ErrNotReadOnly:
		return "Not a read-only call"
	case protocol.ErrEphemeralOnLocalSession:
		return "Ephemeral node on local session"
	case protocol.ErrNoWatcher:
		return "No such watcher"
	case protocol.ErrReconfigDisabled:
		return "Reconfig is disabled"
	case protocol.ErrSessionClosedRequireSASL:
		return "Session closed because client failed to authenticate"
	case protocol.ErrQuotaExceeded:
		return "Quota has exceeded"
	case protocol.ErrThrottledOp:
		return "Op throttled due to high load"
	}
	return fmt.Sprintf("Unknown error %d", int32(c))
}

// ServerErrorMessage renders a server error for path as zkCli does (CliWrapperException): the
// common codes get a sentence, the rest KeeperException's "KeeperErrorCode = X for /path".
// path "" stands for Java's null.
func ServerErrorMessage(code protocol.ErrCode, path string) string {
	p := path
	if p == "" {
		p = "null"
	}
	switch code {
	case protocol.ErrNoNode:
		return "Node does not exist: " + p
	case protocol.ErrNoChildrenForEphemerals:
		return "Ephemerals cannot have children: " + p
	case protocol.ErrNodeExists:
		return "Node already exists: " + p
	case protocol.ErrNotEmpty:
		return "Node not empty: " + p
	case protocol.ErrNotReadOnly:
		return "Not a read-only call: " + p
	case protocol.ErrInvalidACL:
		return "Acl is not valid : " + p
	case protocol.ErrNoAuth:
		return "Insufficient permission : " + p
	case protocol.ErrBadArguments:
		return "Arguments are not valid : " + p
	case protocol.ErrBadVersion:
		return "version No is not valid : " + p
	case protocol.ErrReconfigInProgress:
		return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
	case protocol.ErrNewConfigNoQuorum:
		return "No quorum of new config is connected and up-to-date with the leader of last " +
			"commmitted config - try invoking reconfiguration after new servers are connected and synced"
	case protocol.ErrQuotaExceeded:
		return "Quota has exceeded : " + p
	}
	if path == "" {
		return "KeeperErrorCode = " + codeMessage(code)
	}
	return "KeeperErrorCode = " + codeMessage(code) + " for " + path
}

// serverErr converts an error from a request on path into the error Execute returns.
func serverErr(err error, path string) error {
	if err == nil {
		return nil
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return err
	}
	if code, ok := ErrCodeOf(err); ok {
		return &cliError{kind: ErrServer, code: code, msg: ServerErrorMessage(code, path)}
	}
	if errors.Is(err, zk.ErrInvalidPath) {
		return &cliError{kind: ErrBadPath, msg: strings.TrimPrefix(err.Error(), "zk: ")}
	}
	return &cliError{kind: ErrServer, code: protocol.ErrSystemError, msg: err.Error()}
}
