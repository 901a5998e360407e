package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Apache Curator (Debian's libcurator-*-java, 5.4) is the Java client most ZooKeeper users run
// through (Kafka tooling, Solr, HBase, Pulsar): test/compat and test/ensemble run its
// framework and recipes against the servers with test/compat/testdata/curator.

// curatorJars are the jars CuratorRecipes.java compiles and runs with: Curator, the ZooKeeper
// 3.8 client it wraps, and their dependencies, all from Debian's /usr/share/java.
var curatorJars = []string{
	"curator-client.jar", "curator-framework.jar", "curator-recipes.jar",
	"zookeeper.jar", "zookeeper-jute.jar", "guava.jar", "slf4j-api.jar", "slf4j-nop.jar",
}

// curatorSource is the scenario program, found relative to this file.
func curatorSource() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "compat", "testdata", "curator", "CuratorRecipes.java")
}

func curatorClasspath() string {
	var jars []string
	for _, j := range curatorJars {
		jars = append(jars, filepath.Join("/usr/share/java", j))
	}
	return strings.Join(jars, ":")
}

// CuratorMissing says why the Curator suite cannot run here, or "" when it can: a missing jar
// or JDK. hack/install-test-deps.sh installs both.
func CuratorMissing() string {
	for _, j := range curatorJars {
		if _, err := os.Stat(filepath.Join("/usr/share/java", j)); err != nil {
			return "missing /usr/share/java/" + j + " (apt-get install libcurator-recipes-java)"
		}
	}
	if _, err := exec.LookPath("javac"); err != nil {
		return "no javac (apt-get install openjdk-17-jdk-headless)"
	}
	return ""
}

// RunCurator compiles the scenario program into classDir (a fresh directory the caller
// removes, e.g. t.TempDir()) and runs every scenario against connect
// (host:port[,host:port...]). It returns the program's output ("ok <name>" / "FAIL <name>:
// why" lines and a summary); the error is non-nil when a scenario failed or the program could
// not run. ctx bounds both steps.
func RunCurator(ctx context.Context, classDir, connect string) (string, error) {
	cp := curatorClasspath()
	out, err := exec.CommandContext(ctx, "javac", "-nowarn", "-d", classDir, "-cp", cp, curatorSource()).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("harness: javac CuratorRecipes.java: %w", err)
	}
	cmd := exec.CommandContext(ctx, "java", "-Xmx256m", "-cp", classDir+":"+cp, "CuratorRecipes", connect)
	cmd.WaitDelay = 5 * time.Second
	res, err := cmd.CombinedOutput()
	return string(res), err
}
