# Validating admission policy for Pods and for workloads with a Pod
# template, such as Deployments.
#
# The API server sends an AdmissionReview (admission.k8s.io/v1) to the
# webhook. Every message in `deny` is a reason to reject the request, and
# `response` is the `response` field the webhook sends back.
package kubernetes.admission

# Images must come from the company registry, where they are scanned.
allowed_registry := "registry.example.com/"

# Labels that tell operators which app an object belongs to and who to page.
required_labels := {"app", "owner"}

# Kinds whose Pods are described by a template under spec.template.
workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

kind := input.request.kind.kind

resource := input.request.object

pod_spec := resource.spec if kind == "Pod"

pod_spec := resource.spec.template.spec if kind in workload_kinds

# Init containers run with the same privileges, so they get the same checks.
containers contains container if some container in pod_spec.containers

containers contains container if some container in pod_spec.initContainers

deny contains msg if {
	some container in containers
	container.securityContext.privileged == true
	msg := sprintf("container %q must not run privileged", [container.name])
}

deny contains msg if {
	some container in containers
	not startswith(container.image, allowed_registry)
	msg := sprintf("container %q uses image %q, which is not from %s", [container.name, container.image, allowed_registry])
}

deny contains msg if {
	some label in required_labels
	not resource.metadata.labels[label]
	msg := sprintf("%s %q is missing the required label %q", [kind, resource.metadata.name, label])
}

default allow := false

allow if count(deny) == 0

response := {
	"uid": input.request.uid,
	"allowed": allow,
	"status": {"message": concat("; ", sort(deny))},
}
