package nodeagent

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestProbeTracker(t *testing.T) {
	tests := []struct {
		name      string
		kind      ProbeKind
		succ, fai int32
		outcomes  []bool
		want      []bool
	}{
		{"readiness starts failed, one success readies", ProbeReadiness, 0, 0, []bool{true}, []bool{true}},
		{"liveness needs 3 failures by default", ProbeLiveness, 0, 0, []bool{false, false, true, false, false, false}, []bool{true, true, true, true, true, false}},
		{"success threshold 2", ProbeReadiness, 2, 1, []bool{true, false, true, true}, []bool{false, false, false, true}},
		{"failure threshold 1", ProbeReadiness, 1, 1, []bool{true, false, true}, []bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewProbeTracker(tt.kind, &corev1.Probe{SuccessThreshold: tt.succ, FailureThreshold: tt.fai})
			for i, o := range tt.outcomes {
				if got := tr.Observe(o); got != tt.want[i] {
					t.Fatalf("step %d: Observe(%v) = %v, want %v", i, o, got, tt.want[i])
				}
			}
		})
	}
}

func TestRunProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	host, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	c := &corev1.Container{Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	noExec := func(context.Context, []string) error { return errors.New("no exec") }
	tests := []struct {
		name string
		p    corev1.ProbeHandler
		ok   bool
	}{
		{"http ok by port name", corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("web")}}, true},
		{"http 500", corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/bad", Port: intstr.FromInt32(int32(port))}}, false},
		{"tcp open", corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(port))}}, true},
		{"tcp unknown port name", corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("nope")}}, false},
		{"exec uses the exec func", corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}}, false},
		{"grpc unsupported", corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 1}}, false},
	}
	for _, tt := range tests {
		err := runProbe(context.Background(), &corev1.Probe{ProbeHandler: tt.p, TimeoutSeconds: 2}, c, host, noExec)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
