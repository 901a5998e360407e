// Package zktest starts a throwaway Apache ZooKeeper for tests that need a real server, or
// points them at the server named by $ZKE_TEST_SERVER (so the same tests run against
// zkensemble's own server later).
//
// The caller must be a test: Start registers cleanup with t.Cleanup and skips the test when no
// server can be had (no Java or no ZooKeeper jars), so unit-only machines still pass.
package zktest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvServer names an already running server (host:port) to use instead of starting one.
const EnvServer = "ZKE_TEST_SERVER"

// Classpath is what Debian's zkEnv.sh puts on the classpath (the jar's manifest pulls in the
// rest) plus netty-codec, which Debian's package leaves out.
var Classpath = []string{"/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar", "/usr/share/java/netty-codec.jar"}

// Server is a running ZooKeeper.
type Server struct {
	Addr string // host:port
	// Started is false when the server came from $ZKE_TEST_SERVER.
	Started bool
}

// Start returns a server for t: $ZKE_TEST_SERVER if set, else a fresh standalone ZooKeeper 3.8
// on a free 127.0.0.1 port with its own temp dataDir, 4lw all whitelisted and extended types
// (TTL nodes) enabled. It is killed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if addr := os.Getenv(EnvServer); addr != "" {
		return &Server{Addr: addr}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("zktest: no java on PATH and $" + EnvServer + " not set")
	}
	for _, jar := range Classpath[1:] {
		if _, err := os.Stat(jar); err != nil {
			t.Skipf("zktest: %s missing and $%s not set", jar, EnvServer)
		}
	}
	port := freePort(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	conf := fmt.Sprintf(`tickTime=500
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
extendedTypesEnabled=true
`, filepath.Join(dir, "data"), port)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-cp", strings.Join(Classpath, ":"),
		"-Dzookeeper.extendedTypesEnabled=true",
		"-Dzookeeper.log.dir="+dir,
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfg)
	logFile, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
		logFile.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "zookeeper.log"))
			t.Fatalf("zktest: ZooKeeper exited early:\n%s", log)
		default:
		}
		if out, err := FourLetter(addr, "srvr", time.Second); err == nil && strings.Contains(out, "Mode:") {
			return &Server{Addr: addr, Started: true}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("zktest: ZooKeeper on %s did not answer srvr within 60s", addr)
	return nil
}

// FourLetter sends a four-letter word and returns the whole answer.
func FourLetter(addr, word string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(word)); err != nil {
		return "", err
	}
	var b strings.Builder
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String(), nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
