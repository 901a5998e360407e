package nodeagent

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// DefaultClusterDomain is the DNS domain of the local cluster, as kubelet's --cluster-domain.
const DefaultClusterDomain = "cluster.local"

// HostsInput is what one pod's /etc/hosts is rendered from.
type HostsInput struct {
	ClusterDomain string
	// Self is the pod the file is for; its IP is the one the agent allocated (it may not be in
	// Self.Status yet).
	Self   *corev1.Pod
	SelfIP string
	// Services and Pods are every Service and Pod the agent knows of, in all namespaces.
	Services []*corev1.Service
	Pods     []*corev1.Pod
}

// PodHostname is the pod's hostname as kubelet sets it: spec.hostname, else the pod name, cut to
// 63 characters (a DNS label).
func PodHostname(p *corev1.Pod) string {
	h := p.Spec.Hostname
	if h == "" {
		h = p.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// RenderHosts renders the /etc/hosts of one pod: kubelet's managed header (localhost lines and
// the pod's own FQDN), then the records cluster DNS would serve, written as hosts lines because
// there is no DNS server here:
//
//   - for a headless Service (clusterIP None) with a selector: `<svc>.<ns>.svc.<domain>` → every
//     selected pod's IP, and `<hostname>.<svc>.<ns>.svc.<domain>` → the pod's IP for every
//     selected pod whose spec.subdomain names the Service (the DNS spec for pods of headless
//     services; StatefulSet pods are such pods). Only pods that are Ready count unless the
//     Service sets publishNotReadyAddresses, as for Endpoints;
//   - for any other Service with a selector: its name → the IPs of its ready pods. There is no
//     kube-proxy and so no virtual IP; a client reaches a pod directly, on the target port.
//
// The names a pod's resolv.conf search path would complete (`<svc>`, `<svc>.<ns>`,
// `<svc>.<ns>.svc`, and the same after `<hostname>.`) are added for Services of the pod's own
// namespace. Terminating pods and pods without an IP are left out. Output is sorted, so equal
// inputs give byte-equal files (the agent rewrites a file only when it changed).
func RenderHosts(in HostsInput) []byte {
	domain := in.ClusterDomain
	if domain == "" {
		domain = DefaultClusterDomain
	}
	self := in.Self
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file (zkensemble nodeagent).\n")
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	host := PodHostname(self)
	if self.Spec.Subdomain != "" {
		fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", in.SelfIP, host, self.Spec.Subdomain, self.Namespace, domain, host)
	} else {
		fmt.Fprintf(&b, "%s\t%s\n", in.SelfIP, host)
	}

	type record struct{ name, ip string }
	var recs []record
	add := func(ns, fqdnPrefix, ip string) {
		full := fmt.Sprintf("%s.%s.svc.%s", fqdnPrefix, ns, domain)
		recs = append(recs, record{full, ip})
		if ns == self.Namespace {
			recs = append(recs,
				record{fqdnPrefix, ip},
				record{fqdnPrefix + "." + ns, ip},
				record{fqdnPrefix + "." + ns + ".svc", ip})
		}
	}
	for _, svc := range in.Services {
		if len(svc.Spec.Selector) == 0 {
			continue // Endpoints written by hand: nothing to derive names from
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		headless := svc.Spec.ClusterIP == corev1.ClusterIPNone
		for _, p := range in.Pods {
			if p.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			ip := p.Status.PodIP
			if p.UID == self.UID {
				ip = in.SelfIP
			}
			if ip == "" || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			if !podReady(p) && !(headless && svc.Spec.PublishNotReadyAddresses) {
				continue
			}
			add(svc.Namespace, svc.Name, ip)
			if headless && p.Spec.Subdomain == svc.Name {
				add(svc.Namespace, PodHostname(p)+"."+svc.Name, ip)
			}
		}
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].name != recs[j].name {
			return recs[i].name < recs[j].name
		}
		return recs[i].ip < recs[j].ip
	})
	if len(recs) > 0 {
		b.WriteString("# Service and pod records (what cluster DNS would answer).\n")
	}
	for i, r := range recs {
		if i > 0 && recs[i-1] == r {
			continue
		}
		fmt.Fprintf(&b, "%s\t%s\n", r.ip, r.name)
	}
	return b.Bytes()
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
