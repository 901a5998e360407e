package envtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/zkensemble/zkensemble/pkg/specs"
)

// chartDir is the chart as seen from this package; chartArg as the tools see it (they run
// in the repository root, like a user would).
const (
	chartDir = repoRoot + "/" + chartArg
	chartArg = "charts/zkensemble-operator"
)

// tool is the path of a binary hack/kube-tools.sh builds. A missing one fails under CI and
// skips the spec otherwise.
func tool(name string) string {
	GinkgoHelper()
	dir, err := toolsDir()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			Fail(name + " is missing from " + dir + " and CI is set: run hack/kube-tools.sh install")
		}
		Skip(name + " is not built yet (hack/kube-tools.sh install): " + err.Error())
	}
	return path
}

// adminKubeconfig writes a kubeconfig for a system:masters user of the test apiserver.
func adminKubeconfig() string {
	GinkgoHelper()
	user, err := testEnv.AddUser(crenvtest.User{Name: "manifests-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	kc, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(os.WriteFile(path, kc, 0o600)).To(Succeed())
	return path
}

// runTool runs a command with a bound and returns its output; failure prints it.
func runTool(env []string, name string, args ...string) string {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	Expect(err).NotTo(HaveOccurred(), "%s %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), out.String(), errOut.String())
	return out.String()
}

// helmEnv keeps helm's cache, config and data in a temp dir.
func helmEnv(kubeconfig string) []string {
	home := GinkgoT().TempDir()
	return []string{"KUBECONFIG=" + kubeconfig, "HELM_CACHE_HOME=" + home + "/cache",
		"HELM_CONFIG_HOME=" + home + "/config", "HELM_DATA_HOME=" + home + "/data"}
}

var _ = Describe("Manifests", func() {
	It("kubectl apply -k config/default, then the sample", func() {
		kubectl := tool("kubectl")
		kc := adminKubeconfig()
		// The kustomization holds the CRD, so it goes first; the sample needs the CRD established.
		runTool(nil, kubectl, "--kubeconfig", kc, "apply", "-k", "config/default")
		runTool(nil, kubectl, "--kubeconfig", kc, "wait", "--for=condition=Established", "--timeout=60s", "crd/zkensembles.zkensemble.io")
		dep := &appsv1.Deployment{}
		Expect(k8sClient.Get(context.Background(), client.ObjectKey{Namespace: "zkensemble-system", Name: "zkensemble-operator"}, dep)).To(Succeed())
		c := dep.Spec.Template.Spec.Containers[0]
		Expect(c.Env).To(ContainElement(HaveField("Value", c.Image)), "ZKENSEMBLE_IMAGE must equal the operator's image")
		ns := newNamespace(context.Background())
		out := runTool(nil, kubectl, "--kubeconfig", kc, "apply", "-n", ns, "-f", "config/samples/zkensemble_v1alpha1_zkensemble.yaml")
		Expect(out).To(ContainSubstring("zkensemble.zkensemble.io/zk created"))
	})

	It("helm lint, template and install of charts/zkensemble-operator", func() {
		helm := tool("helm")
		kc := adminKubeconfig()
		env := helmEnv(kc)
		runTool(env, helm, "lint", "--strict", chartArg)
		runTool(env, helm, "lint", "--strict", chartArg, "--set", "watchNamespaces={a,b}", "--set", "metrics.enabled=false", "--set", "leaderElection.enabled=false")

		By("rendering the ClusterRole with the rules controller-gen generated")
		rendered := runTool(env, helm, "template", "zke", chartArg, "--namespace", "zke-helm", "--set", "watchNamespaces={a,b}")
		Expect(rendered).To(ContainSubstring("--watch-namespaces=a,b"))
		var chartRole *rbacv1.ClusterRole
		for _, doc := range strings.Split(rendered, "\n---\n") {
			var r rbacv1.ClusterRole
			if yaml.Unmarshal([]byte(doc), &r) == nil && r.Kind == "ClusterRole" {
				chartRole = &r
			}
		}
		Expect(chartRole).NotTo(BeNil(), "no ClusterRole in the chart")
		data, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var generated rbacv1.ClusterRole
		Expect(yaml.Unmarshal(data, &generated)).To(Succeed())
		Expect(chartRole.Rules).To(Equal(generated.Rules), "charts/zkensemble-operator/templates/clusterrole.yaml differs from config/rbac/role.yaml")

		By("installing into the test apiserver")
		runTool(env, helm, "install", "zke", chartArg, "--namespace", "zke-helm", "--create-namespace", "--set", "image.tag=envtest")
		dep := &appsv1.Deployment{}
		Expect(k8sClient.Get(context.Background(), client.ObjectKey{Namespace: "zke-helm", Name: "zke-zkensemble-operator"}, dep)).To(Succeed())
		c := dep.Spec.Template.Spec.Containers[0]
		Expect(c.Image).To(Equal("ghcr.io/zkensemble/zkensemble:envtest"))
		Expect(c.Args).To(ContainElements("operator", "--leader-elect"))
		Expect(c.Env).To(ContainElement(HaveField("Value", c.Image)))
		Expect(dep.Spec.Template.Labels).NotTo(HaveKey(specs.LabelManagedBy), "the operator pod must not look like a member to the operator's cache")
		out := runTool(env, helm, "status", "zke", "--namespace", "zke-helm")
		Expect(out).To(ContainSubstring("STATUS: deployed"))
	})
})
