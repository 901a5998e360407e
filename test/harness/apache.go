package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Paths of Debian's ZooKeeper 3.8 packages (zookeeper, zookeeper-bin), installed by
// hack/install-test-deps.sh.
const (
	DebianZkEnv  = "/usr/share/zookeeper/bin/zkEnv.sh"
	DebianZkCli  = "/usr/share/zookeeper/bin/zkCli.sh"
	DebianCliMT  = "/usr/lib/zookeeper/bin/cli_mt"
	debianJavaCP = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
	// Debian's zookeeper.jar manifest lists its dependencies but not netty-codec, which the
	// server needs as soon as Netty classes load; log4j and its slf4j binding give us a log file
	// (without them slf4j falls back to its no-op logger).
	extraJars = "/usr/share/java/netty-codec.jar:/usr/share/java/log4j-1.2.jar:/usr/share/java/slf4j-log4j12.jar"
	zkMain    = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
)

// JVMFlags keep the JVMs small and quick to start on a shared 2-core machine: the C1 compiler
// only and the serial collector. ZooKeeper itself needs far less than the heap cap.
var JVMFlags = []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"}

var debianEnv struct {
	once     sync.Once
	java, cp string
}

// debianJava returns the java binary and the classpath exactly as Debian's zkEnv.sh sets them
// (sourced once), falling back to the values it shipped with.
func debianJava() (java, classpath string) {
	debianEnv.once.Do(func() {
		debianEnv.java, debianEnv.cp = "java", debianJavaCP
		out, err := exec.Command("bash", "-c", `. "$1" >/dev/null 2>&1; printf '%s\n%s\n' "$JAVA" "$CLASSPATH"`, "zkEnv", DebianZkEnv).Output()
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) == 2 && lines[0] != "" && lines[1] != "" {
			debianEnv.java, debianEnv.cp = lines[0], lines[1]
		}
	})
	return debianEnv.java, debianEnv.cp
}

// log4jProperties sends everything at INFO and above to one file in the server directory.
func log4jProperties(logPath string) string {
	return "log4j.rootLogger=INFO, FILE\n" +
		"log4j.appender.FILE=org.apache.log4j.FileAppender\n" +
		"log4j.appender.FILE.File=" + logPath + "\n" +
		"log4j.appender.FILE.layout=org.apache.log4j.PatternLayout\n" +
		"log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n\n"
}

// ApacheClasspath is Debian's ZooKeeper classpath plus the jars the harness needs; dir (which
// holds our log4j.properties) comes first so it wins over /etc/zookeeper/conf.
func ApacheClasspath(dir string) string {
	_, cp := debianJava()
	if dir == "" {
		return cp + ":" + extraJars
	}
	return dir + ":" + cp + ":" + extraJars
}

func apacheCommand(s *Server) (*exec.Cmd, error) {
	confDir := filepath.Join(s.dir, "conf")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: conf dir: %w", err)
	}
	props := filepath.Join(confDir, "log4j.properties")
	if err := os.WriteFile(props, []byte(log4jProperties(s.logPath)), 0o644); err != nil {
		return nil, fmt.Errorf("harness: log4j.properties: %w", err)
	}
	java, _ := debianJava()
	args := append([]string{}, JVMFlags...)
	args = append(args, s.Opts.JVMFlags...)
	args = append(args,
		"-Dzookeeper.log.dir="+s.dir,
		"-Dlog4j.configuration=file:"+props,
		"-cp", ApacheClasspath(confDir),
		zkMain, s.cfgPath)
	cmd := exec.Command(java, args...)
	cmd.Dir = s.dir
	return cmd, nil
}
