package specs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/tlsconfig"
	"github.com/zkensemble/zkensemble/pkg/tlsconfig/tlstest"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

func withTLS(tls v1alpha1.TLSSpec) func(*v1alpha1.ZKEnsemble) {
	return func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 1; z.Spec.TLS = &tls }
}

// TestZooCfgTLS: spec.tls becomes ZooKeeper's own keys, pointing at the Secret's mount; the
// server's TLS settings parser (pkg/tlsconfig, what `zkensemble server` runs) reads them back as
// meant.
func TestZooCfgTLS(t *testing.T) {
	tests := []struct {
		name       string
		tls        v1alpha1.TLSSpec
		lines      []string // expected in zoo.cfg
		absent     []string // key prefixes that must not be there
		clientAuth tlsconfig.ClientAuth
		trustStore string
		securePort int
	}{
		{
			name: "defaults: need, 2182, CA as trust store",
			tls:  v1alpha1.TLSSpec{SecretName: "zk-tls"},
			lines: []string{"secureClientPort=2182", "ssl.clientAuth=need",
				"ssl.keyStore.location=/etc/zkensemble-tls/tls.key,/etc/zkensemble-tls/tls.crt", "ssl.keyStore.type=PEM",
				"ssl.trustStore.location=/etc/zkensemble-tls/ca.crt", "ssl.trustStore.type=PEM"},
			clientAuth: tlsconfig.ClientAuthNeed, trustStore: TLSDir + "/ca.crt", securePort: 2182,
		},
		{
			name:       "want on another port",
			tls:        v1alpha1.TLSSpec{SecretName: "zk-tls", ClientAuth: v1alpha1.ClientAuthWant, Port: 3181},
			lines:      []string{"secureClientPort=3181", "ssl.clientAuth=want", "ssl.trustStore.location=/etc/zkensemble-tls/ca.crt"},
			clientAuth: tlsconfig.ClientAuthWant, trustStore: TLSDir + "/ca.crt", securePort: 3181,
		},
		{
			name:       "none: no trust store, ca.crt not read",
			tls:        v1alpha1.TLSSpec{SecretName: "zk-tls", ClientAuth: v1alpha1.ClientAuthNone},
			lines:      []string{"secureClientPort=2182", "ssl.clientAuth=none", "ssl.keyStore.type=PEM"},
			absent:     []string{"ssl.trustStore."},
			clientAuth: tlsconfig.ClientAuthNone, securePort: 2182,
		},
	}
	plain, err := ZooCfg(ensemble(func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 1 }), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := ZooCfg(ensemble(withTLS(tt.tls)), testOpts)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(text), "\n")
			for _, l := range tt.lines {
				if !slices.Contains(lines, l) {
					t.Errorf("zoo.cfg lacks %q:\n%s", l, text)
				}
			}
			var rest []string
			for _, l := range lines {
				for _, p := range tt.absent {
					if strings.HasPrefix(l, p) {
						t.Errorf("zoo.cfg has %q", l)
					}
				}
				if !strings.HasPrefix(l, "ssl.") && !strings.HasPrefix(l, "secureClientPort=") {
					rest = append(rest, l)
				}
			}
			// Everything else is the zoo.cfg of the same ensemble without TLS.
			if got := strings.Join(rest, "\n") + "\n"; got != plain {
				t.Errorf("non-TLS lines changed:\n%s\nwant\n%s", got, plain)
			}

			// One source of truth: the server's parsers read what the operator wrote.
			c, _, err := zoocfg.Parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if c.SecureClientPort != tt.securePort {
				t.Errorf("secureClientPort = %d, want %d", c.SecureClientPort, tt.securePort)
			}
			s, err := tlsconfig.Parse(c.Other, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.ClientAuth != tt.clientAuth || s.KeyStore.Type != tlsconfig.StorePEM || s.TrustStore.Location != tt.trustStore {
				t.Errorf("tlsconfig.Parse = %+v; want clientAuth %v, PEM key store, trust store %q", s, tt.clientAuth, tt.trustStore)
			}
		})
	}
}

// TestZooCfgTLSLoads: the zoo.cfg's stores load from files laid out as a Kubernetes TLS Secret
// mounts them (tls.key, tls.crt, ca.crt in one directory), which is what a member does at start.
func TestZooCfgTLSLoads(t *testing.T) {
	dir := t.TempDir()
	f, err := tlstest.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.Server.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{TLSKeyKey: key, TLSCertKey: f.Server.CertPEM()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.CA.WriteCAPEM(filepath.Join(dir, TLSCAKey)); err != nil {
		t.Fatal(err)
	}
	text, err := ZooCfg(ensemble(withTLS(v1alpha1.TLSSpec{SecretName: "zk-tls"})), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := zoocfg.Parse([]byte(strings.ReplaceAll(text, TLSDir, dir)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tlsconfig.Parse(c.Other, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlsconfig.Load(s, nil); err != nil {
		t.Fatalf("the member would not start: %v", err)
	}
}

// TestTLSObjects: the Secret is a read-only volume at TLSDir, the port is on the container and
// on both Services; nothing of it exists without spec.tls.
func TestTLSObjects(t *testing.T) {
	for _, on := range []bool{false, true} {
		zke := ensemble(nil)
		if on {
			zke.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls", Port: 2282}
		}
		sts, err := StatefulSet(zke, testOpts, "hash")
		if err != nil {
			t.Fatal(err)
		}
		pod := sts.Spec.Template.Spec
		var vol *corev1.Volume
		for i := range pod.Volumes {
			if pod.Volumes[i].Name == volumeTLS {
				vol = &pod.Volumes[i]
			}
		}
		var mount *corev1.VolumeMount
		for i, m := range pod.Containers[0].VolumeMounts {
			if m.Name == volumeTLS {
				mount = &pod.Containers[0].VolumeMounts[i]
			}
		}
		hasPort := func(ports []corev1.ContainerPort) bool {
			return slices.ContainsFunc(ports, func(p corev1.ContainerPort) bool { return p.Name == PortNameTLSClient && p.ContainerPort == 2282 })
		}
		headless, err := HeadlessService(zke, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		client, err := ClientService(zke, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		svcPort := func(s *corev1.Service) bool {
			return slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool {
				return p.Name == PortNameTLSClient && p.Port == 2282 && p.TargetPort.StrVal == PortNameTLSClient
			})
		}
		got := []bool{vol != nil, mount != nil, hasPort(pod.Containers[0].Ports), svcPort(headless), svcPort(client)}
		if !slices.Equal(got, []bool{on, on, on, on, on}) {
			t.Errorf("tls %v: volume, mount, container port, headless port, client port = %v", on, got)
		}
		if !on {
			continue
		}
		if vol.Secret == nil || vol.Secret.SecretName != "zk-tls" || len(vol.Secret.Items) != 0 || *vol.Secret.DefaultMode != 0o440 {
			t.Errorf("volume = %+v", vol.VolumeSource)
		}
		if !mount.ReadOnly || mount.MountPath != TLSDir || mount.SubPath != "" {
			// A subPath mount is never updated by the kubelet: rotation would not reach the member.
			t.Errorf("mount = %+v", mount)
		}
	}
}

// TestTLSRotationRollsNothing: the Secret's content is not an input of any builder, so the pod
// template (and its config hash) is the same whatever the Secret holds; enabling TLS or
// changing its settings does change the hash, which is what makes the roll apply it.
func TestTLSRotationRollsNothing(t *testing.T) {
	hashOf := func(edit func(*v1alpha1.ZKEnsemble)) string {
		cm, err := ConfigMap(ensemble(edit), testOpts)
		if err != nil {
			t.Fatal(err)
		}
		return cm.Annotations[AnnotationConfigHash]
	}
	plain := hashOf(nil)
	on := hashOf(func(z *v1alpha1.ZKEnsemble) { z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"} })
	renamed := hashOf(func(z *v1alpha1.ZKEnsemble) { z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls-2"} })
	want := hashOf(func(z *v1alpha1.ZKEnsemble) {
		z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls", ClientAuth: v1alpha1.ClientAuthWant}
	})
	if plain == on || on == want {
		t.Errorf("hashes plain %s, tls %s, tls want %s: enabling or changing TLS must change zoo.cfg", plain, on, want)
	}
	if on != renamed {
		t.Errorf("another Secret name changed zoo.cfg (%s vs %s): it names paths, not the Secret", on, renamed)
	}
	sts, err := StatefulSet(ensemble(func(z *v1alpha1.ZKEnsemble) { z.Spec.TLS = &v1alpha1.TLSSpec{SecretName: "zk-tls"} }), testOpts, on)
	if err != nil {
		t.Fatal(err)
	}
	for k := range sts.Spec.Template.Annotations {
		if k != AnnotationConfigHash {
			t.Errorf("pod template annotation %s: only the zoo.cfg hash may be there", k)
		}
	}
}

func TestTLSRefuses(t *testing.T) {
	tests := []struct {
		name string
		tls  v1alpha1.TLSSpec
		edit func(*v1alpha1.ZKEnsemble)
	}{
		{"no secret name", v1alpha1.TLSSpec{}, nil},
		{"unknown clientAuth", v1alpha1.TLSSpec{SecretName: "s", ClientAuth: "required"}, nil},
		{"client port", v1alpha1.TLSSpec{SecretName: "s", Port: 2181}, nil},
		{"election port", v1alpha1.TLSSpec{SecretName: "s", Port: 3888}, nil},
		{"metrics port", v1alpha1.TLSSpec{SecretName: "s", Port: 7000}, func(z *v1alpha1.ZKEnsemble) { z.Spec.Metrics.Enabled = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := ensemble(withTLS(tt.tls))
			if tt.edit != nil {
				tt.edit(zke)
			}
			if text, err := ZooCfg(zke, testOpts); !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("err = %v; want ErrInvalidSpec\n%s", err, text)
			}
		})
	}
	// Port 7000 is free while metrics are off.
	if _, err := ZooCfg(ensemble(withTLS(v1alpha1.TLSSpec{SecretName: "s", Port: 7000})), testOpts); err != nil {
		t.Errorf("tls.port 7000 without metrics: %v", err)
	}
}

func TestCheckTLSSecret(t *testing.T) {
	full := map[string][]byte{"tls.key": []byte("k"), "tls.crt": []byte("c"), "ca.crt": []byte("a")}
	without := func(k string) map[string][]byte {
		m := map[string][]byte{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	tests := []struct {
		name   string
		auth   v1alpha1.TLSClientAuth
		data   map[string][]byte
		exists bool
		want   string // "" = usable; else a substring of the error
	}{
		{"complete", "", full, true, ""},
		{"missing", "", nil, false, "Secret prod/zk-tls (spec.tls.secretName) does not exist"},
		{"no key", "", without("tls.key"), true, "lacks tls.key"},
		{"no ca with need", "", without("ca.crt"), true, "lacks ca.crt (ca.crt verifies client certificates"},
		{"no ca with want", v1alpha1.ClientAuthWant, without("ca.crt"), true, "lacks ca.crt"},
		{"no ca with none", v1alpha1.ClientAuthNone, without("ca.crt"), true, ""},
		{"empty cert", "", map[string][]byte{"tls.key": []byte("k"), "tls.crt": nil, "ca.crt": []byte("a")}, true, "lacks tls.crt"},
		{"empty", "", map[string][]byte{}, true, "lacks tls.key, tls.crt, ca.crt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zke := ensemble(withTLS(v1alpha1.TLSSpec{SecretName: "zk-tls", ClientAuth: tt.auth}))
			var s *corev1.Secret
			if tt.exists {
				s = &corev1.Secret{Data: tt.data}
			}
			err := CheckTLSSecret(zke, s)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("err = %v; want usable", err)
			case tt.want != "" && (!errors.Is(err, ErrTLSSecret) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v; want ErrTLSSecret saying %q", err, tt.want)
			}
		})
	}
	if err := CheckTLSSecret(ensemble(nil), nil); err != nil {
		t.Errorf("without spec.tls: %v", err)
	}
}
