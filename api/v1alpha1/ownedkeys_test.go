package v1alpha1

import (
	"os"
	"regexp"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

func TestIsOwnedConfigKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"dataDir", true},
		{"clientPort", true},
		{"server.1", true},
		{"server.255", true},
		{"group.1", true},
		{"weight.3", true},
		{"metricsProvider.httpPort", true},
		{"standaloneEnabled", true},
		{"tickTime", false},
		{"4lw.commands.whitelist", false}, // merged with the words the probes need, not refused
		{"serverCnxnFactory", false},      // starts with "server" but not "server."
		{"datadir", false},                // keys are case-sensitive, like java.util.Properties
		{"", false},
		{"secureClientPort", true},
		{"secureClientPortAddress", true},
		{"ssl.keyStore.location", true},
		{"ssl.trustStore.type", true},
		{"ssl.clientAuth", true},
		{"ssl.enabledProtocols", false},                 // the user may narrow the TLS versions
		{"X509AuthenticationProvider.superUser", false}, // the user's choice of super subject
	}
	for _, tt := range tests {
		if got := IsOwnedConfigKey(tt.key); got != tt.want {
			t.Errorf("IsOwnedConfigKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// TestOwnedKeysMatchCRD: the CEL rule on spec.serverConfig repeats OwnedConfigKeys and
// OwnedConfigKeyPrefixes as literals; the generated CRD must list exactly the same keys, in the
// rule and in its message expression.
func TestOwnedKeysMatchCRD(t *testing.T) {
	data, err := os.ReadFile("../../config/crd/bases/zkensemble.io_zkensembles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != GroupVersion.Version {
		t.Fatalf("CRD versions = %+v", crd.Spec.Versions)
	}
	rules := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["serverConfig"].XValidations
	if len(rules) != 1 {
		t.Fatalf("serverConfig has %d CEL rules, want 1", len(rules))
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(OwnedConfigKeys), OwnedConfigKeyPrefixes...)))
	literal := regexp.MustCompile(`'([^']*)'`)
	for name, expr := range map[string]string{"rule": rules[0].Rule, "messageExpression": rules[0].MessageExpression} {
		var got []string
		for _, m := range literal.FindAllStringSubmatch(expr, -1) {
			if !slices.Contains(got, m[1]) && m[1] != "serverConfig: zoo.cfg key " && m[1] != " is set by the operator and cannot be overridden" {
				got = append(got, m[1])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("CEL %s lists %q\nGo lists       %q\nedit the marker on ZKEnsembleSpec.ServerConfig and run make manifests", name, got, want)
		}
	}
}
