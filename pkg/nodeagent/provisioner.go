package nodeagent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// provisioner binds PersistentVolumeClaims of the agent's class (or of no class) to hostPath
// PersistentVolumes whose directories live under StateDir/volumes, so a pod re-created on the
// same claim finds its data. It pre-binds each PV to its claim (spec.claimRef); the
// persistentvolume-binder controller of kube-controller-manager completes the binding. A PV
// of ours that its claim released is deleted with its directory (reclaim policy Delete).
type provisioner struct {
	a     *Agent
	kickc chan struct{}
}

func newProvisioner(a *Agent) *provisioner { return &provisioner{a: a, kickc: make(chan struct{}, 1)} }

func (p *provisioner) kick() {
	select {
	case p.kickc <- struct{}{}:
	default:
	}
}

// ensureStorageClass creates the agent's StorageClass, as the cluster default, if missing.
func (p *provisioner) ensureStorageClass(ctx context.Context) error {
	cls := p.a.cfg.StorageClass
	_, err := p.a.client.StorageV1().StorageClasses().Get(ctx, cls, metav1.GetOptions{})
	if err == nil || !apierrors.IsNotFound(err) {
		return err
	}
	del := corev1.PersistentVolumeReclaimDelete
	mode := storagev1.VolumeBindingImmediate
	_, err = p.a.client.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: cls, Annotations: map[string]string{
			"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: Provisioner, ReclaimPolicy: &del, VolumeBindingMode: &mode,
	}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (p *provisioner) run(ctx context.Context) {
	tick := time.NewTicker(15 * time.Second) // retries after API errors
	defer tick.Stop()
	for {
		p.sync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-p.kickc:
		case <-tick.C:
		}
	}
}

func pvName(pvc *corev1.PersistentVolumeClaim) string { return "pvc-" + string(pvc.UID) }

func (p *provisioner) serves(pvc *corev1.PersistentVolumeClaim) bool {
	c := pvc.Spec.StorageClassName
	return c == nil || *c == "" || *c == p.a.cfg.StorageClass
}

func (p *provisioner) sync(ctx context.Context) {
	a := p.a
	pvs := map[string]*corev1.PersistentVolume{}
	for _, o := range a.pvInf.GetStore().List() {
		pv := o.(*corev1.PersistentVolume)
		pvs[pv.Name] = pv
	}
	for _, o := range a.pvcInf.GetStore().List() {
		pvc := o.(*corev1.PersistentVolumeClaim)
		if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || !p.serves(pvc) {
			continue
		}
		if _, ok := pvs[pvName(pvc)]; ok {
			continue
		}
		if err := p.provision(ctx, pvc); err != nil {
			a.log.Warn("provisioning", "pvc", pvc.Namespace+"/"+pvc.Name, "err", err)
		}
	}
	for _, pv := range pvs {
		if pv.Annotations["pv.kubernetes.io/provisioned-by"] != Provisioner || pv.Status.Phase != corev1.VolumeReleased ||
			pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.DeletionTimestamp != nil {
			continue
		}
		if pv.Spec.HostPath != nil && filepath.Dir(pv.Spec.HostPath.Path) == filepath.Join(a.cfg.StateDir, "volumes") {
			if err := os.RemoveAll(pv.Spec.HostPath.Path); err != nil {
				a.log.Warn("removing released volume", "pv", pv.Name, "err", err)
				continue
			}
		}
		if err := a.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			a.log.Warn("deleting released volume", "pv", pv.Name, "err", err)
			continue
		}
		a.log.Info("deleted released volume", "pv", pv.Name)
	}
}

func (p *provisioner) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	a := p.a
	dir := filepath.Join(a.cfg.StateDir, "volumes", pvName(pvc))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return fmt.Errorf("%w: no storage request", ErrInvalidPod)
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	dirType := corev1.HostPathDirectory
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName(pvc), Annotations: map[string]string{
			"pv.kubernetes.io/provisioned-by": Provisioner}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              class,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &dirType}},
		},
	}
	_, err := a.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err == nil {
		a.log.Info("provisioned volume", "pvc", pvc.Namespace+"/"+pvc.Name, "pv", pv.Name, "dir", dir)
	}
	return err
}
