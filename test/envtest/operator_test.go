package envtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
	"github.com/zkensemble/zkensemble/controllers"
	"github.com/zkensemble/zkensemble/pkg/specs"
)

const (
	waitFor = 20 * time.Second
	poll    = 100 * time.Millisecond
)

// newNamespace is a fresh namespace per spec (envtest runs no namespace controller, so they
// are never deleted; names are unique).
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "op-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// loadSample reads config/samples into namespace ns.
func loadSample(ns string) *v1alpha1.ZKEnsemble {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "zkensemble_v1alpha1_zkensemble.yaml"))
	Expect(err).NotTo(HaveOccurred())
	var zke v1alpha1.ZKEnsemble
	Expect(yaml.UnmarshalStrict(data, &zke)).To(Succeed())
	zke.Namespace = ns
	return &zke
}

func getEnsemble(ctx context.Context, key types.NamespacedName) *v1alpha1.ZKEnsemble {
	zke := &v1alpha1.ZKEnsemble{}
	Expect(k8sClient.Get(ctx, key, zke)).To(Succeed())
	return zke
}

// built is what pkg/specs produces for zke as stored (defaults applied, UID set).
type built struct {
	cm                 *corev1.ConfigMap
	headless, clientSv *corev1.Service
	sts                *appsv1.StatefulSet
	pdb                *policyv1.PodDisruptionBudget
	sa                 *corev1.ServiceAccount
}

func build(zke *v1alpha1.ZKEnsemble) built {
	var b built
	var err error
	b.cm, err = specs.ConfigMap(zke, operatorOpts)
	Expect(err).NotTo(HaveOccurred())
	b.sts, err = specs.StatefulSet(zke, operatorOpts, b.cm.Annotations[specs.AnnotationConfigHash])
	Expect(err).NotTo(HaveOccurred())
	b.headless, err = specs.HeadlessService(zke, operatorOpts)
	Expect(err).NotTo(HaveOccurred())
	b.clientSv, err = specs.ClientService(zke, operatorOpts)
	Expect(err).NotTo(HaveOccurred())
	b.pdb, err = specs.PodDisruptionBudget(zke, operatorOpts)
	Expect(err).NotTo(HaveOccurred())
	b.sa, err = specs.ServiceAccount(zke, operatorOpts)
	Expect(err).NotTo(HaveOccurred())
	return b
}

// expectMeta: the stored object carries the builder's labels and annotations, is controlled by
// zke, and the operator's field manager applied it.
func expectMeta(got, want client.Object) {
	GinkgoHelper()
	Expect(got.GetOwnerReferences()).To(Equal(want.GetOwnerReferences()), "owner references of %s", want.GetName())
	Expect(got.GetLabels()).To(Equal(want.GetLabels()), "labels of %s", want.GetName())
	for k, v := range want.GetAnnotations() {
		Expect(got.GetAnnotations()).To(HaveKeyWithValue(k, v), "annotations of %s", want.GetName())
	}
	var managers []string
	for _, mf := range got.GetManagedFields() {
		if mf.Operation == metav1.ManagedFieldsOperationApply {
			managers = append(managers, mf.Manager)
		}
	}
	Expect(managers).To(ContainElement(controllers.FieldOwner), "apply managers of %s", want.GetName())
}

// derivative: every field the builder set has that value on the server (fields it left empty
// may hold the apiserver's defaults).
func derivative(want, got any) {
	GinkgoHelper()
	Expect(equality.Semantic.DeepDerivative(want, got)).To(BeTrue(), "server object differs from the builder's:\nwant %+v\n got %+v", want, got)
}

// expectObjects waits until the objects in zke's namespace are exactly those pkg/specs builds
// for zke, then checks the fields that matter.
func expectObjects(ctx context.Context, key types.NamespacedName) {
	GinkgoHelper()
	var zke *v1alpha1.ZKEnsemble
	var want built
	inNS := []client.ListOption{client.InNamespace(key.Namespace), client.MatchingLabels{specs.LabelInstance: key.Name}}
	Eventually(func(g Gomega) {
		zke = getEnsemble(ctx, key)
		want = build(zke)
		var cms corev1.ConfigMapList
		g.Expect(k8sClient.List(ctx, &cms, inNS...)).To(Succeed())
		g.Expect(names(cms.Items)).To(ConsistOf(want.cm.Name))
		g.Expect(cms.Items[0].Data).To(Equal(want.cm.Data))
		var svcs corev1.ServiceList
		g.Expect(k8sClient.List(ctx, &svcs, inNS...)).To(Succeed())
		g.Expect(names(svcs.Items)).To(ConsistOf(want.headless.Name, want.clientSv.Name))
		var stss appsv1.StatefulSetList
		g.Expect(k8sClient.List(ctx, &stss, inNS...)).To(Succeed())
		g.Expect(names(stss.Items)).To(ConsistOf(want.sts.Name))
		g.Expect(stss.Items[0].Spec.Template.Annotations).To(Equal(want.sts.Spec.Template.Annotations))
		g.Expect(stss.Items[0].Spec.Replicas).To(Equal(want.sts.Spec.Replicas))
		var pdbs policyv1.PodDisruptionBudgetList
		g.Expect(k8sClient.List(ctx, &pdbs, inNS...)).To(Succeed())
		g.Expect(names(pdbs.Items)).To(ConsistOf(want.pdb.Name))
		var sas corev1.ServiceAccountList
		g.Expect(k8sClient.List(ctx, &sas, inNS...)).To(Succeed())
		g.Expect(names(sas.Items)).To(ConsistOf(want.sa.Name))
	}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())

	cm := &corev1.ConfigMap{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(want.cm), cm)).To(Succeed())
	expectMeta(cm, want.cm)
	Expect(cm.Data).To(Equal(want.cm.Data))

	for _, w := range []*corev1.Service{want.headless, want.clientSv} {
		svc := &corev1.Service{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(w), svc)).To(Succeed())
		expectMeta(svc, w)
		derivative(w.Spec, svc.Spec)
	}
	sts := &appsv1.StatefulSet{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(want.sts), sts)).To(Succeed())
	expectMeta(sts, want.sts)
	derivative(want.sts.Spec, sts.Spec)
	Expect(sts.Spec.UpdateStrategy.Type).To(Equal(appsv1.OnDeleteStatefulSetStrategyType))
	Expect(sts.Spec.Template.Spec.Containers).To(HaveLen(1))
	Expect(sts.Spec.Template.Spec.Containers[0].Image).To(Equal(operatorImage))

	pdb := &policyv1.PodDisruptionBudget{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(want.pdb), pdb)).To(Succeed())
	expectMeta(pdb, want.pdb)
	derivative(want.pdb.Spec, pdb.Spec)

	sa := &corev1.ServiceAccount{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(want.sa), sa)).To(Succeed())
	expectMeta(sa, want.sa)
	Expect(sa.AutomountServiceAccountToken).To(Equal(want.sa.AutomountServiceAccountToken))
}

func names[T any, P interface {
	*T
	client.Object
}](items []T) []string {
	var out []string
	for i := range items {
		out = append(out, P(&items[i]).GetName())
	}
	return out
}

// expectCondition waits for a condition of the current generation.
func expectCondition(ctx context.Context, key types.NamespacedName, t v1alpha1.ConditionType, status metav1.ConditionStatus, reason v1alpha1.ConditionReason) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		zke := getEnsemble(ctx, key)
		g.Expect(zke.Status.ObservedGeneration).To(Equal(zke.Generation))
		c := meta.FindStatusCondition(zke.Status.Conditions, t.String())
		g.Expect(c).NotTo(BeNil(), "no %s condition", t)
		g.Expect(c.Status).To(Equal(status), "%s: %s", t, c.Message)
		g.Expect(c.Reason).To(Equal(reason.String()), "%s: %s", t, c.Message)
		g.Expect(c.ObservedGeneration).To(Equal(zke.Generation))
	}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())
}

// updateEnsemble applies edit to the stored object, retrying on conflicts.
func updateEnsemble(ctx context.Context, key types.NamespacedName, edit func(*v1alpha1.ZKEnsemble)) {
	GinkgoHelper()
	Eventually(func() error {
		zke := getEnsemble(ctx, key)
		edit(zke)
		return k8sClient.Update(ctx, zke)
	}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())
}

func stsOf(ctx context.Context, key types.NamespacedName) *appsv1.StatefulSet {
	sts := &appsv1.StatefulSet{}
	Expect(k8sClient.Get(ctx, key, sts)).To(Succeed())
	return sts
}

// eventReasons are the reasons of the events recorded about the ZKEnsemble.
func eventReasons(ctx context.Context, key types.NamespacedName) []string {
	var evs eventsv1.EventList
	Expect(k8sClient.List(ctx, &evs, client.InNamespace(key.Namespace))).To(Succeed())
	var out []string
	for _, e := range evs.Items {
		if e.Regarding.Kind == v1alpha1.Kind && e.Regarding.Name == key.Name {
			out = append(out, e.Type+"/"+e.Reason+": "+e.Note)
		}
	}
	return out
}

var _ = Describe("ZKEnsemble reconciler", func() {
	var (
		ctx    context.Context
		cancel context.CancelFunc
	)
	BeforeEach(func() {
		ctx, cancel = context.WithTimeout(context.Background(), 90*time.Second)
		DeferCleanup(func() { cancel() })
	})

	It("builds exactly the expected objects from the sample, reports honest status, and follows spec changes", func() {
		zke := loadSample(newNamespace(ctx))
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		key := client.ObjectKeyFromObject(zke)

		By("creating the objects pkg/specs builds")
		expectObjects(ctx, key)

		By("reporting status: no pod runs here, so nothing is guessed")
		expectCondition(ctx, key, v1alpha1.ConditionQuorumHealthy, metav1.ConditionFalse, v1alpha1.ReasonNoLeader)
		expectCondition(ctx, key, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonMembersNotReady)
		expectCondition(ctx, key, v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonCreating)
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionFalse, v1alpha1.ReasonAsExpected)
		got := getEnsemble(ctx, key)
		Expect(got.Status.Members).To(HaveLen(3))
		for i, m := range got.Status.Members {
			Expect(m.ID).To(BeEquivalentTo(i + 1))
			Expect(m.Pod).To(Equal(fmt.Sprintf("zk-%d", i)))
			Expect(m.Role).To(Equal(v1alpha1.RoleUnknown))
			Expect(m.Zxid).To(BeEmpty())
			Expect(m.LastSeen).To(BeNil())
		}
		Expect(got.Status.Leader).To(BeEmpty())
		Expect(got.Status.ReadyReplicas).To(BeZero())
		Expect(got.Status.Selector).To(Equal(specs.Selector(got).String()))
		Expect(got.Status.ConfigHash).To(Equal(build(got).cm.Annotations[specs.AnnotationConfigHash]))
		Expect(meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionQuorumHealthy.String()).Message).
			To(ContainSubstring("zk-0: pod does not exist"))
		Eventually(func() []string { return eventReasons(ctx, key) }).WithTimeout(waitFor).WithPolling(poll).
			Should(ContainElement(HavePrefix("Normal/Created: Created StatefulSet zk")))

		By("following a change of serverConfig, replicas and resources")
		oldHash := stsOf(ctx, key).Spec.Template.Annotations[specs.AnnotationConfigHash]
		updateEnsemble(ctx, key, func(z *v1alpha1.ZKEnsemble) {
			z.Spec.ServerConfig["tickTime"] = "3000"
			z.Spec.Replicas = 5
			z.Spec.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("500m")
		})
		expectObjects(ctx, key)
		sts := stsOf(ctx, key)
		Expect(*sts.Spec.Replicas).To(BeEquivalentTo(5))
		Expect(sts.Spec.Template.Annotations[specs.AnnotationConfigHash]).NotTo(Equal(oldHash))
		Expect(sts.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal("500m"))
		cm := &corev1.ConfigMap{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: "zk-config"}, cm)).To(Succeed())
		Expect(cm.Data[specs.ZooCfgKey]).To(ContainSubstring("tickTime=3000"))
		Expect(cm.Data[specs.ZooCfgKey]).To(ContainSubstring("server.5=zk-4.zk-headless." + key.Namespace + ".svc.cluster.local"))
		Eventually(func(g Gomega) {
			g.Expect(getEnsemble(ctx, key).Status.Members).To(HaveLen(5))
		}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())
		Eventually(func() []string { return eventReasons(ctx, key) }).WithTimeout(waitFor).WithPolling(poll).
			Should(ContainElement(HavePrefix("Normal/Updated: Updated StatefulSet zk")))
	})

	It("brings back owned objects that are deleted or edited", func() {
		zke := minimal(newNamespace(ctx), "zk")
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		key := client.ObjectKeyFromObject(zke)
		expectObjects(ctx, key)

		for _, obj := range []client.Object{
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: "zk-config"}},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: "zk-headless"}},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: "zk-client"}},
			&policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: "zk"}},
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: "zk"}},
		} {
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
			oldUID := obj.GetUID()
			By(fmt.Sprintf("deleting %T %s", obj, obj.GetName()))
			Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
				g.Expect(obj.GetUID()).NotTo(Equal(oldUID))
			}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())
		}
		expectObjects(ctx, key)

		By("editing fields the operator owns, as another field manager")
		cm := &corev1.ConfigMap{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: "zk-config"}, cm)).To(Succeed())
		want := cm.Data[specs.ZooCfgKey]
		cm.Data[specs.ZooCfgKey] = "tickTime=1\n"
		cm.Annotations["user"] = "kept" // not the operator's: must survive
		Expect(k8sClient.Update(ctx, cm)).To(Succeed())
		sts := stsOf(ctx, key)
		sts.Spec.Replicas = ptrTo(int32(1))
		Expect(k8sClient.Update(ctx, sts)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(cm), cm)).To(Succeed())
			g.Expect(cm.Data[specs.ZooCfgKey]).To(Equal(want))
			g.Expect(cm.Annotations).To(HaveKeyWithValue("user", "kept"))
			g.Expect(*stsOf(ctx, key).Spec.Replicas).To(BeEquivalentTo(3))
		}).WithTimeout(waitFor).WithPolling(poll).Should(Succeed())
	})

	It("leaves a paused ensemble alone and reports it", func() {
		zke := minimal(newNamespace(ctx), "zk")
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		key := client.ObjectKeyFromObject(zke)
		expectObjects(ctx, key)
		before := stsOf(ctx, key)

		updateEnsemble(ctx, key, func(z *v1alpha1.ZKEnsemble) {
			z.Spec.Paused = true
			z.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"tickTime": "4000"}
			z.Spec.Replicas = 5
		})
		expectCondition(ctx, key, v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonPaused)
		// Several requeues (1 s in this suite) pass without a change.
		Consistently(func(g Gomega) {
			sts := stsOf(ctx, key)
			g.Expect(sts.ResourceVersion).To(Equal(before.ResourceVersion))
			g.Expect(sts.Spec.Template.Annotations).To(Equal(before.Spec.Template.Annotations))
			cm := &corev1.ConfigMap{}
			g.Expect(k8sClient.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: "zk-config"}, cm)).To(Succeed())
			g.Expect(cm.Data[specs.ZooCfgKey]).NotTo(ContainSubstring("tickTime=4000"))
		}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
		Expect(getEnsemble(ctx, key).Status.Members).To(HaveLen(5), "a paused ensemble is still observed")

		By("resuming")
		updateEnsemble(ctx, key, func(z *v1alpha1.ZKEnsemble) { z.Spec.Paused = false })
		Eventually(func() int32 { return *stsOf(ctx, key).Spec.Replicas }).WithTimeout(waitFor).WithPolling(poll).Should(BeEquivalentTo(5))
		expectCondition(ctx, key, v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonCreating)
	})

	It("reports a serverConfig the server would refuse and applies nothing", func() {
		zke := minimal(newNamespace(ctx), "zk")
		zke.Spec.ServerConfig = map[string]v1alpha1.ZooCfgValue{"tickTime": "abc"}
		Expect(k8sClient.Create(ctx, zke)).To(Succeed())
		key := client.ObjectKeyFromObject(zke)
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionTrue, v1alpha1.ReasonInvalidConfig)
		expectCondition(ctx, key, v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonInvalidConfig)
		err := k8sClient.Get(ctx, key, &appsv1.StatefulSet{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "StatefulSet of an invalid spec: %v", err)
		Eventually(func() []string { return eventReasons(ctx, key) }).WithTimeout(waitFor).WithPolling(poll).
			Should(ContainElement(HavePrefix("Warning/InvalidConfig")))

		By("fixing the spec")
		updateEnsemble(ctx, key, func(z *v1alpha1.ZKEnsemble) { z.Spec.ServerConfig["tickTime"] = "2000" })
		expectCondition(ctx, key, v1alpha1.ConditionDegraded, metav1.ConditionFalse, v1alpha1.ReasonAsExpected)
		expectObjects(ctx, key)
		Expect(strings.Join(eventReasons(ctx, key), "\n")).To(ContainSubstring("Created ConfigMap zk-config"))
	})
})

func ptrTo[T any](v T) *T { return &v }
