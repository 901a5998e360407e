package nodeagent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ProbeKind names the three probes a container may have.
type ProbeKind int

const (
	ProbeStartup ProbeKind = iota
	ProbeLiveness
	ProbeReadiness
)

func (k ProbeKind) String() string {
	switch k {
	case ProbeStartup:
		return "startup"
	case ProbeLiveness:
		return "liveness"
	case ProbeReadiness:
		return "readiness"
	}
	return fmt.Sprintf("ProbeKind(%d)", int(k))
}

// ProbeTracker turns single probe outcomes into the probe's result with kubelet's thresholds:
// the result becomes success after successThreshold consecutive successes and failure after
// failureThreshold consecutive failures (defaults 1 and 3). Liveness starts successful,
// readiness and startup start failed (kubelet: a container is neither ready nor started before
// its probe first succeeds). Pure.
type ProbeTracker struct {
	successThreshold, failureThreshold int
	successes, failures                int
	result                             bool
}

// NewProbeTracker returns a tracker for p with the initial result of its kind.
func NewProbeTracker(kind ProbeKind, p *corev1.Probe) *ProbeTracker {
	t := &ProbeTracker{successThreshold: int(p.SuccessThreshold), failureThreshold: int(p.FailureThreshold), result: kind == ProbeLiveness}
	if t.successThreshold <= 0 {
		t.successThreshold = 1
	}
	if t.failureThreshold <= 0 {
		t.failureThreshold = 3
	}
	return t
}

// Observe records one outcome and returns the probe's result.
func (t *ProbeTracker) Observe(ok bool) bool {
	if ok {
		t.successes++
		t.failures = 0
		if t.successes >= t.successThreshold {
			t.result = true
		}
	} else {
		t.failures++
		t.successes = 0
		if t.failures >= t.failureThreshold {
			t.result = false
		}
	}
	return t.result
}

// Failing reports whether the last failureThreshold outcomes all failed: the point where
// kubelet kills a container for a failing startup or liveness probe.
func (t *ProbeTracker) Failing() bool { return t.failures >= t.failureThreshold }

// Result is the current result.
func (t *ProbeTracker) Result() bool { return t.result }

// ProbeTimings returns the probe's initial delay, period and timeout with kubelet's defaults
// (0 s, 10 s, 1 s).
func ProbeTimings(p *corev1.Probe) (initialDelay, period, timeout time.Duration) {
	initialDelay = time.Duration(p.InitialDelaySeconds) * time.Second
	period = time.Duration(p.PeriodSeconds) * time.Second
	if period <= 0 {
		period = 10 * time.Second
	}
	timeout = time.Duration(p.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	return
}

// resolvePort returns a probe port: a number, or the name of one of the container's ports.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		return int(p.IntVal), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("%w: no container port named %q", ErrInvalidPod, p.StrVal)
}

// execFunc runs argv inside the container's sandbox and returns its exit error.
type execFunc func(ctx context.Context, argv []string) error

// runProbe performs one probe against a container whose pod IP is podIP. exec runs exec probes.
func runProbe(ctx context.Context, p *corev1.Probe, c *corev1.Container, podIP string, exec execFunc) error {
	_, _, timeout := ProbeTimings(p)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.Exec != nil:
		return exec(ctx, p.Exec.Command)
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, c)
		if err != nil {
			return err
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = podIP
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	case p.HTTPGet != nil:
		g := p.HTTPGet
		port, err := resolvePort(g.Port, c)
		if err != nil {
			return err
		}
		host := g.Host
		if host == "" {
			host = podIP
		}
		scheme := "http"
		if g.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: g.Path}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		for _, h := range g.HTTPHeaders {
			req.Header.Add(h.Name, h.Value)
		}
		// kubelet does not verify probe certificates.
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe: status %d", resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("%w: probe handler (grpc probes are not supported)", ErrUnsupported)
}
