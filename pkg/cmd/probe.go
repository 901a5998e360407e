package cmd

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

// `zkensemble probe [-addr host:port] [-timeout d] live|ready` is the Kubernetes exec probe of a
// member pod. live asks ruok; ready asks srvr and wants a serving mode (fourlw.CheckLive,
// fourlw.CheckReady). Exit 0 when the check passes, 1 when it fails, 2 on bad usage; one line
// on stderr says why.
func init() {
	Register(Command{Name: "probe", Summary: "probe a server: live (ruok) or ready (srvr mode)", Run: runProbe})
}

func runProbe(args []string) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:2181", "client address of the server to probe; an empty host (\":2181\") means $POD_IP, else 127.0.0.1")
	timeout := fs.Duration("timeout", 2*time.Second, "bound on the whole check")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: zkensemble probe [-addr host:port] [-timeout 2s] live|ready")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "live" && fs.Arg(0) != "ready") {
		fs.Usage()
		return 2
	}
	*addr = probeAddr(*addr, os.Getenv)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	switch fs.Arg(0) {
	case "live":
		if err := fourlw.CheckLive(ctx, *addr); err != nil {
			fmt.Fprintf(os.Stderr, "not live: %s: %v\n", *addr, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "live: %s answered imok\n", *addr)
	case "ready":
		s, err := fourlw.CheckReady(ctx, *addr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "not ready: %s: %v\n", *addr, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "ready: %s is %s at zxid 0x%x\n", *addr, s.Mode, uint64(s.Zxid))
	}
	return 0
}

// probeAddr fills an empty host in addr: members bind their client port to their own pod IP
// (pkg/specs), and a kubelet does not expand downward-API variables such as $(POD_IP) in an exec
// probe's command (it expands only env entries with literal values), so the StatefulSet's probes
// pass ":port" and the probe takes the pod IP from its own environment, which the exec'd process
// inherits from the container. Without POD_IP (a host, a test) it is loopback.
func probeAddr(addr string, getenv func(string) string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	if ip := getenv("POD_IP"); ip != "" {
		return net.JoinHostPort(ip, port)
	}
	return net.JoinHostPort("127.0.0.1", port)
}
