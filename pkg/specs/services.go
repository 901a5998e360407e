package specs

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zkensemble/zkensemble/api/v1alpha1"
)

// Port names shared by the container, the Services and the probes.
const (
	PortNameClient   = "client"
	PortNameQuorum   = "quorum"
	PortNameElection = "election"
	PortNameMetrics  = "metrics"
)

// HeadlessService gives every member the stable DNS name server.N lines use. It publishes
// not-ready addresses: members must find each other to form the quorum that makes them ready,
// so waiting for readiness would deadlock the first start.
func HeadlessService(zke *v1alpha1.ZKEnsemble, opts Options) (*corev1.Service, error) {
	spec, err := resolve(zke, opts)
	if err != nil {
		return nil, err
	}
	ports := []corev1.ServicePort{
		servicePort(PortNameClient, spec.Ports.Client),
		servicePort(PortNameQuorum, spec.Ports.Quorum),
		servicePort(PortNameElection, spec.Ports.Election),
	}
	if spec.Metrics.Enabled {
		ports = append(ports, servicePort(PortNameMetrics, spec.Ports.Metrics))
	}
	if spec.TLS != nil {
		ports = append(ports, servicePort(PortNameTLSClient, spec.TLS.Port))
	}
	return &corev1.Service{
		ObjectMeta: objectMeta(zke, HeadlessServiceName(zke)),
		Spec: corev1.ServiceSpec{
			Type:                     corev1.ServiceTypeClusterIP,
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 SelectorLabels(zke),
			Ports:                    ports,
		},
	}, nil
}

// ClientService is what clients connect to: the client port of ready members only (ready =
// part of a serving quorum), so a member that lost the quorum stops receiving new clients.
func ClientService(zke *v1alpha1.ZKEnsemble, opts Options) (*corev1.Service, error) {
	spec, err := resolve(zke, opts)
	if err != nil {
		return nil, err
	}
	meta := objectMeta(zke, ClientServiceName(zke))
	meta.Labels = merged(spec.ClientService.Labels, meta.Labels)
	if len(spec.ClientService.Annotations) > 0 {
		meta.Annotations = merged(spec.ClientService.Annotations, nil)
	}
	ports := []corev1.ServicePort{servicePort(PortNameClient, spec.Ports.Client)}
	if spec.TLS != nil {
		ports = append(ports, servicePort(PortNameTLSClient, spec.TLS.Port))
	}
	return &corev1.Service{
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     spec.ClientService.Type,
			Selector: SelectorLabels(zke),
			Ports:    ports,
		},
	}, nil
}

func servicePort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{
		Name:       name,
		Protocol:   corev1.ProtocolTCP,
		Port:       port,
		TargetPort: intstr.FromString(name),
	}
}
