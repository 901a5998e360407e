package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// ZKEModule is the import path `go build` compiles for the ZKE target.
const ZKEModule = "github.com/zkensemble/zkensemble"

var zkeBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// ZKEBinary returns the zkensemble binary: $ZKE_BIN if set, else one built once per test binary
// into a temp dir that Teardown removes.
func ZKEBinary() (string, error) {
	zkeBuild.once.Do(func() {
		if p := os.Getenv("ZKE_BIN"); p != "" {
			zkeBuild.bin = p
			return
		}
		dir, err := os.MkdirTemp("", "zkharness-bin-")
		if err != nil {
			zkeBuild.err = fmt.Errorf("harness: temp dir for zkensemble: %w", err)
			return
		}
		zkeBuild.dir = dir
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		bin := filepath.Join(dir, "zkensemble")
		out, err := exec.Command(goBin, "build", "-o", bin, ZKEModule).CombinedOutput()
		if err != nil {
			zkeBuild.err = fmt.Errorf("harness: go build %s: %w\n%s", ZKEModule, err, out)
			return
		}
		zkeBuild.bin = bin
	})
	return zkeBuild.bin, zkeBuild.err
}

func zkeCommand(s *Server) (*exec.Cmd, error) {
	cmd, err := zkeServerCommand(s.cfgPath, s.dir)
	if err == nil && len(s.Opts.JVMFlags) > 0 {
		cmd.Env = append(os.Environ(), "SERVER_JVMFLAGS="+strings.Join(s.Opts.JVMFlags, " "))
	}
	return cmd, err
}

// zkeServerCommand is `zkensemble server --config cfgPath` run in dir.
func zkeServerCommand(cfgPath, dir string) (*exec.Cmd, error) {
	bin, err := ZKEBinary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server", "--config", cfgPath)
	cmd.Dir = dir
	return cmd, nil
}
