package nodeagent

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestContainerArgv(t *testing.T) {
	env := []string{"POD_IP=127.1.0.5"}
	tests := []struct {
		name    string
		c       corev1.Container
		want    []string
		wantErr error
	}{
		{"entrypoint + args", corev1.Container{Image: "ghcr.io/x/zkensemble:dev", Args: []string{"server", "--client-addr", "$(POD_IP)"}},
			[]string{SandboxBinaryPath, "server", "--client-addr", "127.1.0.5"}, nil},
		{"command zkensemble by path", corev1.Container{Image: "zkensemble", Command: []string{"/usr/local/bin/zkensemble"}, Args: []string{"probe"}},
			[]string{SandboxBinaryPath, "probe"}, nil},
		{"other command runs from host", corev1.Container{Image: "zkensemble:1", Command: []string{"sh", "-c", "echo $$HOME $(POD_IP)"}},
			[]string{"sh", "-c", "echo $HOME 127.1.0.5"}, nil},
		{"foreign image refused", corev1.Container{Image: "busybox", Command: []string{"sh"}}, nil, ErrUnsupported},
	}
	for _, tt := range tests {
		got, err := ContainerArgv(&tt.c, env, "")
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v", tt.name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
