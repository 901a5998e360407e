# Operator code generation; the top-level Makefile includes this file (`include hack/operator.mk`).
#
#   make generate          zz_generated.deepcopy.go for api/...
#   make manifests         CRD (config/crd/bases) and ClusterRole (config/rbac/role.yaml)
#   make verify-manifests  regenerate both and fail if that changed anything tracked by git
#
# controller-gen is the pinned CONTROLLER_GEN_VERSION of hack/kube-versions.env: the binary
# hack/kube-tools.sh built when it is there, else `go run` of the same version (slower, same output).

CONTROLLER_GEN_VERSION ?= $(shell sed -n 's/^CONTROLLER_GEN_VERSION=//p' hack/kube-versions.env)
KUBE_TOOLS_BIN := $(shell hack/kube-tools.sh path 2>/dev/null)
CONTROLLER_GEN ?= $(if $(wildcard $(KUBE_TOOLS_BIN)/controller-gen),$(KUBE_TOOLS_BIN)/controller-gen,$(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION))

OPERATOR_GENERATED := api/v1alpha1/zz_generated.deepcopy.go config/crd/bases config/rbac/role.yaml

.PHONY: generate manifests verify-manifests

generate:
	$(CONTROLLER_GEN) object:headerFile="" paths="./api/..."

manifests:
	$(CONTROLLER_GEN) rbac:roleName=zkensemble-operator crd paths="./api/..." paths="./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

verify-manifests: generate manifests
	@if ! git diff --quiet -- $(OPERATOR_GENERATED) || [ -n "$$(git ls-files --others --exclude-standard -- $(OPERATOR_GENERATED))" ]; then \
		echo "generated operator files are out of date; run 'make generate manifests' and commit:"; \
		git status --short -- $(OPERATOR_GENERATED); \
		git diff --stat -- $(OPERATOR_GENERATED); \
		exit 1; \
	fi
