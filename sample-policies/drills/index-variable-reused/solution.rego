# Admission policy: no container may expose SSH.
package kubernetes.ports

deny contains msg if {
	some container in input.request.object.spec.containers
	some port in container.ports
	port.containerPort == 22
	msg := sprintf("container %q exposes port 22", [container.name])
}
