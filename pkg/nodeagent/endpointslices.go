package nodeagent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// EndpointSliceManager is the endpointslice.kubernetes.io/managed-by value of the slices the
// agent publishes. kube-controller-manager's endpointslice controller only touches slices
// labelled with its own value (endpointslice-controller.k8s.io), so the two never fight.
const EndpointSliceManager = "nodeagent.zkensemble.io"

// EndpointSliceInput is what the slices of this node's pods are computed from.
type EndpointSliceInput struct {
	// NodeName: only pods bound to this node are published (the agent speaks for its own pods).
	NodeName string
	// Services and Pods are every Service and Pod the agent knows of, in all namespaces.
	Services []*corev1.Service
	Pods     []*corev1.Pod
}

// DesiredEndpointSlices returns the EndpointSlices that publish this node's pods for every
// Service with a selector, as the endpointslice controller would publish them on a real node.
//
// Why the agent does it: pod IPs here are loopback addresses (127.x.y.z), and the apiserver
// refuses loopback addresses in IPv4/IPv6 Endpoints and EndpointSlices (ValidateEndpointIP in
// k8s.io/kubernetes pkg/apis/core/validation: "may not be in the loopback range"), so the
// controller's slices stay empty. Slices of addressType FQDN are validated as DNS-1123
// subdomains with at least two labels (pkg/apis/discovery/validation, v1.36), which a dotted
// IPv4 address is; a client resolving it gets the same address back without any DNS. So each
// pod is published under its IP written as an FQDN.
//
// Rules follow the endpointslice controller (pkg/controller/endpointslice and
// staging/src/k8s.io/endpointslice): a target port named in the Service is looked up among the
// pod's container ports by name and protocol, and a pod that lacks it is left out of that port's
// slice; pods whose resolved ports differ go into different slices; ready = Ready condition and
// not terminating, serving = Ready condition, terminating = deletionTimestamp set, and
// publishNotReadyAddresses makes every endpoint ready (podToEndpoint in k8s.io/endpointslice
// utils.go); hostname is set when the pod
// has spec.hostname and its spec.subdomain names the Service; finished pods (Succeeded/Failed)
// and pods without an IP are left out. Slices are labelled kubernetes.io/service-name and owned
// (controller) by the Service so the garbage collector removes them with it. A Service with no
// published pod gets no slice; the Service's labels are copied onto its slices. The result is sorted by name, endpoints by address.
func DesiredEndpointSlices(in EndpointSliceInput) []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for _, svc := range in.Services {
		if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName || svc.DeletionTimestamp != nil {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		bySet := map[string]*discoveryv1.EndpointSlice{}
		for _, p := range in.Pods {
			if p.Namespace != svc.Namespace || p.Spec.NodeName != in.NodeName || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			if _, err := netip.ParseAddr(p.Status.PodIP); err != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			ports := endpointPorts(svc, p)
			if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
				continue
			}
			key := portsKey(ports)
			es := bySet[key]
			if es == nil {
				es = newSlice(svc, key, ports)
				bySet[key] = es
			}
			es.Endpoints = append(es.Endpoints, endpointOf(svc, p, in.NodeName))
		}
		for _, es := range bySet {
			sort.Slice(es.Endpoints, func(i, j int) bool { return es.Endpoints[i].Addresses[0] < es.Endpoints[j].Addresses[0] })
			out = append(out, es)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

// endpointPorts resolves the Service's ports against one pod (podutil.FindPort's rules).
func endpointPorts(svc *corev1.Service, p *corev1.Pod) []discoveryv1.EndpointPort {
	var ports []discoveryv1.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		port, ok := findPort(p, sp)
		if !ok {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	return ports
}

func findPort(p *corev1.Pod, sp *corev1.ServicePort) (int32, bool) {
	switch sp.TargetPort.Type {
	case intstr.String:
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = corev1.ProtocolTCP
				}
				if cp.Name == sp.TargetPort.StrVal && cpProto == proto {
					return cp.ContainerPort, true
				}
			}
		}
		return 0, false
	default:
		if v := sp.TargetPort.IntValue(); v > 0 {
			return int32(v), true
		}
		return sp.Port, true // an unset targetPort defaults to the port
	}
}

func portsKey(ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%s/%s/%d", *p.Name, *p.Protocol, *p.Port))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// newSlice names a slice after its Service and port set, so a recomputation finds the same
// object to update (the controller uses generateName; the agent has no state to remember it by).
func newSlice(svc *corev1.Service, key string, ports []discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
	sum := sha256.Sum256([]byte(key))
	base := svc.Name
	if len(base) > 200 {
		base = base[:200]
	}
	t := true
	// The Service's labels are copied, as the controller does (setEndpointSliceLabels), so
	// selectors such as app.kubernetes.io/instance find slices too; then the two the slice is
	// looked up by, and the headless marker.
	lbl := map[string]string{}
	for k, v := range svc.Labels {
		lbl[k] = v
	}
	lbl[discoveryv1.LabelServiceName] = svc.Name
	lbl[discoveryv1.LabelManagedBy] = EndpointSliceManager
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		lbl[corev1.IsHeadlessService] = ""
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name:      base + "-local-" + hex.EncodeToString(sum[:])[:8],
			Namespace: svc.Namespace,
			Labels:    lbl,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		AddressType: discoveryv1.AddressTypeFQDN,
		Ports:       ports,
	}
}

func endpointOf(svc *corev1.Service, p *corev1.Pod, node string) discoveryv1.Endpoint {
	serving := podReady(p)
	terminating := p.DeletionTimestamp != nil
	// As podToEndpoint (k8s.io/endpointslice utils.go): never ready while terminating unless the
	// Service publishes not-ready addresses.
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{p.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		NodeName:   &node,
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
		h := p.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}
