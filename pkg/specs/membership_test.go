package specs

import (
	"errors"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

var reconfigOpts = Options{DefaultImage: testOpts.DefaultImage, Reconfig: true}

const digest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="

// TestMembershipSwitchOff: without Options.Reconfig, Membership changes nothing (today's
// static zoo.cfg and StatefulSet size).
func TestMembershipSwitchOff(t *testing.T) {
	zke := ensemble(func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = 5 })
	plain, err := ConfigMap(zke, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	withM, err := ConfigMapFor(zke, testOpts, Membership{SuperDigest: digest, Pods: 3})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Data[ZooCfgKey] != withM.Data[ZooCfgKey] || len(withM.Data) != 1 {
		t.Fatalf("Membership leaked into the static config:\n%s\n---\n%s", plain.Data[ZooCfgKey], withM.Data[ZooCfgKey])
	}
	for _, key := range []string{"reconfigEnabled=true", "dynamicConfigFile", "superDigest"} {
		if strings.Contains(plain.Data[ZooCfgKey], key) {
			t.Errorf("static zoo.cfg has %s", key)
		}
	}
	sts, err := StatefulSetFor(zke, testOpts, "h", Membership{Pods: 3})
	if err != nil || *sts.Spec.Replicas != 5 {
		t.Fatalf("replicas = %v (%v), want spec's 5", sts.Spec.Replicas, err)
	}
}

// TestMembershipReconfig: with Options.Reconfig zoo.cfg holds the reconfig keys and no server
// lines, stays byte-identical while the membership and spec.replicas change (no roll for a
// scale), the seed lists members 1..Pods, and the StatefulSet runs Pods members.
func TestMembershipReconfig(t *testing.T) {
	var first string
	for _, tt := range []struct {
		replicas, pods int32
		wantPods       int32
	}{{3, 0, 3}, {5, 3, 3}, {5, 4, 4}, {5, 5, 5}, {3, 4, 4}} {
		zke := ensemble(func(z *v1alpha1.ZKEnsemble) { z.Spec.Replicas = tt.replicas })
		m := Membership{SuperDigest: digest, Pods: tt.pods}
		cm, err := ConfigMapFor(zke, reconfigOpts, m)
		if err != nil {
			t.Fatal(err)
		}
		cfg := cm.Data[ZooCfgKey]
		if first == "" {
			first = cfg
			for _, want := range []string{"reconfigEnabled=true\n", "standaloneEnabled=false\n",
				"dynamicConfigFile=" + DynamicConfigPath + "\n", "DigestAuthenticationProvider.superDigest=" + digest + "\n"} {
				if !strings.Contains(cfg, want) {
					t.Errorf("zoo.cfg lacks %q:\n%s", want, cfg)
				}
			}
			if strings.Contains(cfg, "server.") {
				t.Errorf("zoo.cfg has server lines:\n%s", cfg)
			}
		} else if cfg != first {
			t.Errorf("replicas %d pods %d: zoo.cfg changed:\n%s\n---\n%s", tt.replicas, tt.pods, first, cfg)
		}
		if cm.Annotations[AnnotationConfigHash] != ConfigHash(cfg) {
			t.Errorf("hash covers more than zoo.cfg")
		}
		seed, err := zoocfg.ParseDynamic([]byte(cm.Data[DynamicSeedKey]))
		if err != nil {
			t.Fatal(err)
		}
		if len(seed.Servers) != int(tt.wantPods) || seed.HasVersion {
			t.Errorf("replicas %d pods %d: seed %q", tt.replicas, tt.pods, cm.Data[DynamicSeedKey])
		}
		for i, s := range seed.Servers {
			if s.ID != int64(i+1) || s.Type != zoocfg.Participant || s.Host != MemberHost(zke, i, DefaultClusterDomain) {
				t.Errorf("seed line %d = %+v", i, s)
			}
		}
		sts, err := StatefulSetFor(zke, reconfigOpts, cm.Annotations[AnnotationConfigHash], m)
		if err != nil {
			t.Fatal(err)
		}
		if *sts.Spec.Replicas != tt.wantPods {
			t.Errorf("replicas %d pods %d: StatefulSet replicas %d, want %d", tt.replicas, tt.pods, *sts.Spec.Replicas, tt.wantPods)
		}
	}
	// The server must read what the operator writes (one source of truth for zoo.cfg).
	c, _, err := zoocfg.Parse([]byte(first))
	if err != nil || !c.ReconfigEnabled || c.SuperDigest != digest || c.DynamicConfigFile != DynamicConfigPath {
		t.Fatalf("zoocfg.Parse(zoo.cfg) = %+v, %v", c, err)
	}
}

func TestMembershipRefuses(t *testing.T) {
	zke := ensemble(nil)
	if _, err := ConfigMapFor(zke, reconfigOpts, Membership{}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("no digest: %v, want ErrInvalidSpec", err)
	}
	if _, err := ConfigMapFor(zke, reconfigOpts, Membership{SuperDigest: digest, Pods: 9}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("9 pods: %v, want ErrInvalidSpec", err)
	}
}

func TestSuperSecret(t *testing.T) {
	zke := ensemble(nil)
	s, err := SuperSecret(zke, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "zk-super" || s.Namespace != "prod" || string(s.Data[SuperPasswordKey]) != "pw" || len(s.OwnerReferences) != 1 {
		t.Errorf("secret = %+v", s)
	}
	if s.Labels[LabelManagedBy] != ManagedBy {
		t.Errorf("secret lacks the managed-by label the operator's cache selects on: %v", s.Labels)
	}
	if _, err := SuperSecret(zke, " "); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("empty password: %v", err)
	}
}
