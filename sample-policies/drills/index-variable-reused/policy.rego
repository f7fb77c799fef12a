# Admission policy: no container may expose SSH.
package kubernetes.ports

deny contains msg if {
	container := input.request.object.spec.containers[i]
	container.ports[i].containerPort == 22
	msg := sprintf("container %q exposes port 22", [container.name])
}
