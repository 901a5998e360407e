package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runtimeEnv is what a pod runtime needs from the agent (an interface so the supervisor can be
// driven without an apiserver).
type runtimeEnv interface {
	config() *Config
	logger() *slog.Logger
	// prepareVolumes materialises the pod's volumes and returns volume name → host path.
	prepareVolumes(rt *podRuntime) (map[string]string, error)
	// renderHosts renders the pod's /etc/hosts.
	renderHosts(rt *podRuntime) []byte
	// objects reads ConfigMaps and Secrets for env.
	objects() Objects
	// notify reports the pod's new status.
	notify(p *corev1.Pod)
	// terminated is called once when every container of a deleted pod has stopped.
	terminated(rt *podRuntime)
}

// podRuntime supervises the processes of one pod.
type podRuntime struct {
	env runtimeEnv
	dir string // the pod's state: volumes, sandbox specs, pid files

	mu           sync.Mutex
	pod          *corev1.Pod
	ip           string
	startTime    time.Time
	sandboxReady bool
	volumePaths  map[string]string
	initStatuses []corev1.ContainerStatus
	initDone     bool
	statuses     []corev1.ContainerStatus
	procs        map[string]*exec.Cmd
	terminating  bool
	graceSeconds int64

	ctx    context.Context // cancelled when the pod is being terminated
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{} // closed when every container goroutine returned
}

func newPodRuntime(env runtimeEnv, pod *corev1.Pod, ip, dir string, now time.Time) *podRuntime {
	ctx, cancel := context.WithCancel(context.Background())
	rt := &podRuntime{env: env, dir: dir, pod: pod.DeepCopy(), ip: ip, startTime: now,
		procs: map[string]*exec.Cmd{}, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	for _, c := range pod.Spec.InitContainers {
		rt.initStatuses = append(rt.initStatuses, waitingStatus(c, "PodInitializing", ""))
	}
	for _, c := range pod.Spec.Containers {
		rt.statuses = append(rt.statuses, waitingStatus(c, "ContainerCreating", ""))
	}
	return rt
}

func waitingStatus(c corev1.Container, reason, msg string) corev1.ContainerStatus {
	f := false
	return corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: "local://zkensemble", Started: &f,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}}
}

func (rt *podRuntime) key() string { return rt.pod.Namespace + "/" + rt.pod.Name }

// snapshot returns the pod with its current status. Caller holds mu.
func (rt *podRuntime) snapshotLocked() *corev1.Pod {
	p := rt.pod.DeepCopy()
	hostIP := rt.env.config().HostIP
	p.Status = BuildPodStatus(StatusInput{
		Pod: rt.pod, PodIP: rt.ip, HostIP: hostIP, StartTime: rt.startTime, SandboxReady: rt.sandboxReady,
		InitStatuses: copyStatuses(rt.initStatuses), InitDone: rt.initDone, Statuses: copyStatuses(rt.statuses),
		Now: time.Now(),
	})
	return p
}

func copyStatuses(s []corev1.ContainerStatus) []corev1.ContainerStatus {
	out := make([]corev1.ContainerStatus, len(s))
	for i := range s {
		s[i].DeepCopyInto(&out[i])
	}
	return out
}

func (rt *podRuntime) snapshot() *corev1.Pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.snapshotLocked()
}

// update applies f to the container status of (init, idx) and reports the new pod status.
func (rt *podRuntime) update(init bool, idx int, f func(*corev1.ContainerStatus)) {
	rt.mu.Lock()
	if init {
		f(&rt.initStatuses[idx])
	} else {
		f(&rt.statuses[idx])
	}
	p := rt.snapshotLocked()
	rt.mu.Unlock()
	rt.env.notify(p)
}

// start runs the pod: volumes, init containers in order, then every container.
func (rt *podRuntime) start() {
	go func() {
		defer close(rt.done)
		defer func() {
			rt.wg.Wait()
			rt.mu.Lock()
			terminating := rt.terminating
			rt.mu.Unlock()
			if terminating {
				rt.env.terminated(rt)
			}
		}()
		if !rt.prepare() {
			return
		}
		for i := range rt.pod.Spec.InitContainers {
			if !rt.runContainer(true, i) {
				return
			}
		}
		rt.mu.Lock()
		rt.initDone = true
		rt.mu.Unlock()
		for i := range rt.pod.Spec.Containers {
			rt.wg.Add(1)
			go func() {
				defer rt.wg.Done()
				rt.runContainer(false, i)
			}()
		}
	}()
}

// prepare materialises volumes and the hosts file, retrying every 2 s (a PVC not yet bound,
// a ConfigMap not yet created) until it works or the pod is deleted, as kubelet's volume
// manager does.
func (rt *podRuntime) prepare() bool {
	for {
		paths, err := rt.env.prepareVolumes(rt)
		if err == nil {
			err = rt.writeHosts()
		}
		if err == nil {
			rt.mu.Lock()
			rt.volumePaths = paths
			rt.sandboxReady = true
			p := rt.snapshotLocked()
			rt.mu.Unlock()
			rt.env.notify(p)
			return true
		}
		rt.env.logger().Warn("preparing pod", "pod", rt.key(), "err", err)
		rt.mu.Lock()
		for i := range rt.statuses {
			rt.statuses[i].State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating", Message: err.Error()}
		}
		p := rt.snapshotLocked()
		rt.mu.Unlock()
		rt.env.notify(p)
		select {
		case <-rt.ctx.Done():
			return false
		case <-time.After(2 * time.Second):
		}
	}
}

func (rt *podRuntime) hostsPath() string    { return filepath.Join(rt.dir, "etc-hosts") }
func (rt *podRuntime) hostnamePath() string { return filepath.Join(rt.dir, "etc-hostname") }

// writeHosts (re)writes the pod's hosts file in place when it changed: the file is bind-mounted
// into running sandboxes, and a bind mount pins the inode, so it cannot be replaced by rename.
func (rt *podRuntime) writeHosts() error {
	data := rt.env.renderHosts(rt)
	if old, err := os.ReadFile(rt.hostsPath()); err == nil && string(old) == string(data) {
		return nil
	}
	f, err := os.OpenFile(rt.hostsPath(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(rt.hostnamePath(), []byte(PodHostname(rt.pod)+"\n"), 0o644)
}

// runContainer supervises one container until it ends for good: restarts per restartPolicy
// (init containers: until they succeed) with kubelet's back-off. Returns whether the container
// completed successfully (what the next init container waits for).
func (rt *podRuntime) runContainer(init bool, idx int) bool {
	c := &rt.pod.Spec.Containers
	if init {
		c = &rt.pod.Spec.InitContainers
	}
	spec := (*c)[idx]
	cfg := rt.env.config()
	log := rt.env.logger().With("pod", rt.key(), "container", spec.Name)
	backoff := cfg.BackoffInitial
	for restarts := int32(0); ; restarts++ {
		rt.update(init, idx, func(s *corev1.ContainerStatus) { s.RestartCount = restarts })
		startedAt := time.Now()
		exitCode, reason, err := rt.runOnce(init, idx, &spec, restarts, log)
		if err != nil {
			msg := err.Error()
			log.Warn("container cannot start", "err", err)
			waitReason := "CreateContainerError"
			if errors.Is(err, ErrUnsupported) {
				waitReason = "ImageNotSupported"
			}
			rt.update(init, idx, func(s *corev1.ContainerStatus) {
				s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waitReason, Message: msg}}
			})
			if errors.Is(err, ErrUnsupported) {
				<-rt.ctx.Done()
				return false
			}
		} else {
			log.Info("container exited", "exitCode", exitCode, "reason", reason)
		}
		if rt.ctx.Err() != nil {
			return false
		}
		policy := rt.pod.Spec.RestartPolicy
		if init {
			if err == nil && exitCode == 0 {
				return true
			}
			if policy == corev1.RestartPolicyNever {
				return false
			}
		} else {
			if policy == corev1.RestartPolicyNever || (policy == corev1.RestartPolicyOnFailure && err == nil && exitCode == 0) {
				return err == nil && exitCode == 0
			}
		}
		// kubelet resets the back-off once a container ran for twice the maximum.
		if time.Since(startedAt) > 2*cfg.BackoffMax {
			backoff = cfg.BackoffInitial
		}
		if err == nil {
			rt.update(init, idx, func(s *corev1.ContainerStatus) {
				s.LastTerminationState = s.State
				s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
					Message: fmt.Sprintf("back-off %s restarting failed container %s", backoff, spec.Name)}}
			})
		}
		select {
		case <-rt.ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, cfg.BackoffMax)
	}
}

// runOnce starts the container's process, probes it while it runs and waits for it to exit.
func (rt *podRuntime) runOnce(init bool, idx int, c *corev1.Container, restarts int32, log *slog.Logger) (int, string, error) {
	cfg := rt.env.config()
	rt.mu.Lock()
	pod := rt.pod.DeepCopy()
	paths := rt.volumePaths
	rt.mu.Unlock()
	host, port, _ := net.SplitHostPort(cfg.APIServer)
	env, err := ResolveEnv(pod, c, PodRuntimeInfo{PodIP: rt.ip, HostIP: cfg.HostIP, NodeName: cfg.NodeName, ServiceEnv: APIServerEnv(host, port)},
		rt.env.objects(), cfg.capacity())
	if err != nil {
		return 0, "", err
	}
	argv, err := ContainerArgv(c, env, cfg.ImageMatch)
	if err != nil {
		return 0, "", err
	}
	mounts, err := PlanMounts(c, paths, env)
	if err != nil {
		return 0, "", err
	}
	mounts = append(mounts,
		Mount{Source: rt.hostsPath(), Target: "/etc/hosts", ReadOnly: true},
		Mount{Source: rt.hostnamePath(), Target: "/etc/hostname", ReadOnly: true},
		Mount{Source: cfg.Binary, Target: SandboxBinaryPath, ReadOnly: true})
	root := filepath.Join(rt.dir, "root-"+c.Name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return 0, "", err
	}
	spec := &SandboxSpec{RootDir: root, Hostname: PodHostname(pod), Argv: argv, Env: env, WorkingDir: c.WorkingDir, Mounts: mounts}
	specPath := filepath.Join(rt.dir, c.Name+".json")
	if err := WriteSandboxSpec(specPath, spec); err != nil {
		return 0, "", err
	}
	logDir := filepath.Join(cfg.StateDir, "logs", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), c.Name)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return 0, "", err
	}
	logFile, err := os.OpenFile(filepath.Join(logDir, fmt.Sprintf("%d.log", restarts)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, "", err
	}
	defer logFile.Close()
	cmd := SandboxCommand(cfg.Binary, specPath, nil)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	rt.mu.Lock()
	if rt.terminating {
		rt.mu.Unlock()
		return 0, "", context.Canceled
	}
	if err := cmd.Start(); err != nil {
		rt.mu.Unlock()
		return 0, "", err
	}
	rt.procs[c.Name] = cmd
	rt.mu.Unlock()
	writePidFile(filepath.Join(rt.dir, c.Name+".pid"), cmd.Process.Pid)
	started := metav1.Now()
	log.Info("container started", "pid", cmd.Process.Pid, "argv", strings.Join(argv, " "), "log", logFile.Name())
	hasStartup := c.StartupProbe != nil && !init
	rt.update(init, idx, func(s *corev1.ContainerStatus) {
		s.ContainerID = fmt.Sprintf("zkensemble://%d", cmd.Process.Pid)
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
		st := !hasStartup
		s.Started = &st
		s.Ready = st && c.ReadinessProbe == nil && !init
	})

	exited := make(chan struct{})
	probeCtx, stopProbes := context.WithCancel(rt.ctx)
	var killReason string
	var killMu sync.Mutex
	if !init {
		go rt.probeLoop(probeCtx, idx, c, specPath, env, cmd, func(reason string) {
			killMu.Lock()
			killReason = reason
			killMu.Unlock()
			rt.stopProcess(cmd, rt.graceFor(c), exited)
		})
	}
	waitErr := cmd.Wait()
	close(exited)
	stopProbes()
	os.Remove(filepath.Join(rt.dir, c.Name+".pid"))
	rt.mu.Lock()
	delete(rt.procs, c.Name)
	rt.mu.Unlock()

	code := 0
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if waitErr != nil {
		code = 1
	}
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	killMu.Lock()
	msg := killReason
	killMu.Unlock()
	rt.update(init, idx, func(s *corev1.ContainerStatus) {
		f := false
		s.Ready, s.Started = false, &f
		s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: int32(code), Reason: reason, Message: msg, StartedAt: started, FinishedAt: metav1.Now(),
			ContainerID: s.ContainerID}}
	})
	return code, reason, nil
}

// probeLoop runs the startup probe until it succeeds, then liveness and readiness, each on its
// own period. kill is called when startup or liveness fails for good.
func (rt *podRuntime) probeLoop(ctx context.Context, idx int, c *corev1.Container, specPath string, env []string, cmd *exec.Cmd, kill func(string)) {
	exec := func(ctx context.Context, argv []string) error {
		pc := SandboxCommand(rt.env.config().Binary, specPath, MapArgv(argv, env))
		if err := pc.Start(); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- pc.Wait() }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			// The probe's whole process group: a timed-out probe leaves nothing behind.
			_ = syscall.Kill(-pc.Process.Pid, syscall.SIGKILL)
			<-done
			return ctx.Err()
		}
	}
	probe := func(kind ProbeKind, p *corev1.Probe, tr *ProbeTracker) bool {
		err := runProbe(ctx, p, c, rt.ip, exec)
		if err != nil && ctx.Err() == nil {
			rt.env.logger().Debug("probe failed", "pod", rt.key(), "container", c.Name, "probe", kind, "err", err)
		}
		return tr.Observe(err == nil)
	}
	sleep := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	if p := c.StartupProbe; p != nil {
		delay, period, _ := ProbeTimings(p)
		tr := NewProbeTracker(ProbeStartup, p)
		if !sleep(delay) {
			return
		}
		for !probe(ProbeStartup, p, tr) {
			if tr.Failing() {
				kill("startup probe failed")
				return
			}
			if !sleep(period) {
				return
			}
		}
		t := true
		rt.update(false, idx, func(s *corev1.ContainerStatus) {
			s.Started = &t
			s.Ready = c.ReadinessProbe == nil
		})
	}
	if p := c.LivenessProbe; p != nil {
		go func() {
			delay, period, _ := ProbeTimings(p)
			tr := NewProbeTracker(ProbeLiveness, p)
			if !sleep(delay) {
				return
			}
			for {
				if !probe(ProbeLiveness, p, tr) {
					kill("liveness probe failed")
					return
				}
				if !sleep(period) {
					return
				}
			}
		}()
	}
	if p := c.ReadinessProbe; p != nil {
		delay, period, _ := ProbeTimings(p)
		tr := NewProbeTracker(ProbeReadiness, p)
		if !sleep(delay) {
			return
		}
		last := false
		for {
			ready := probe(ProbeReadiness, p, tr)
			if ctx.Err() != nil {
				return
			}
			if ready != last {
				last = ready
				rt.update(false, idx, func(s *corev1.ContainerStatus) { s.Ready = ready && s.State.Running != nil })
			}
			if !sleep(period) {
				return
			}
		}
	}
}

// graceFor is the grace period for stopping c: the pod's deletion grace if it is being deleted,
// else its terminationGracePeriodSeconds (default 30).
func (rt *podRuntime) graceFor(c *corev1.Container) time.Duration {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.terminating {
		return time.Duration(rt.graceSeconds) * time.Second
	}
	if g := rt.pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// stopProcess sends SIGTERM to the container's process group and SIGKILL after grace unless
// exited closes first.
func (rt *podRuntime) stopProcess(cmd *exec.Cmd, grace time.Duration, exited <-chan struct{}) {
	pid := cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	go func() {
		select {
		case <-exited:
		case <-time.After(grace):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}()
}

// terminate stops the pod: no more restarts, SIGTERM to every process, SIGKILL after grace.
// Idempotent; a shorter grace on a second call wins, as kubelet lets a re-delete shorten it.
func (rt *podRuntime) terminate(graceSeconds int64) {
	rt.mu.Lock()
	if rt.terminating && graceSeconds >= rt.graceSeconds {
		rt.mu.Unlock()
		return
	}
	rt.terminating = true
	rt.graceSeconds = graceSeconds
	procs := make([]*exec.Cmd, 0, len(rt.procs))
	for _, p := range rt.procs {
		procs = append(procs, p)
	}
	rt.mu.Unlock()
	rt.cancel()
	select {
	case <-rt.done:
		// Everything had already exited (restartPolicy Never/OnFailure): finish the deletion
		// here, as no supervisor is left to do it.
		go rt.env.terminated(rt)
		return
	default:
	}
	for _, p := range procs {
		rt.stopProcess(p, time.Duration(graceSeconds)*time.Second, rt.done)
	}
}

// writePidFile records pid and its start time so a restarted agent can kill what an earlier
// one left behind without hitting a recycled pid.
func writePidFile(path string, pid int) {
	st, err := procStartTime(pid)
	if err != nil {
		return
	}
	_ = os.WriteFile(path, []byte(fmt.Sprintf("%d %s\n", pid, st)), 0o644)
}

// procStartTime is field 22 of /proc/PID/stat (start time in clock ticks since boot).
func procStartTime(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", fmt.Errorf("bad stat")
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return "", fmt.Errorf("bad stat")
	}
	return fields[19], nil
}

// killLeftovers kills the process groups recorded in pid files under dir (a previous agent's
// pods) whose start time still matches.
func killLeftovers(dir string, log *slog.Logger) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.pid"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		parts := strings.Fields(string(data))
		if len(parts) != 2 {
			continue
		}
		pid, err := strconv.Atoi(parts[0])
		if err != nil || pid <= 1 {
			continue
		}
		if st, err := procStartTime(pid); err == nil && st == parts[1] {
			log.Warn("killing a process left by an earlier agent", "pid", pid, "pidfile", f)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		os.Remove(f)
	}
}
