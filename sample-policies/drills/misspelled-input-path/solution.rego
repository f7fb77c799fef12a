# Admission policy: reject Pods with privileged containers.
package kubernetes.admission

deny contains msg if {
	some container in input.request.object.spec.containers
	container.securityContext.privileged == true
	msg := sprintf("container %q must not run privileged", [container.name])
}
