# Admission policy and its tests: reject containers that run as root.
package kubernetes.admission

deny contains msg if {
	some container in input.request.object.spec.containers
	not container.securityContext.runAsNonRoot
	msg := sprintf("container %q must set runAsNonRoot", [container.name])
}

safe_pod := {"request": {"object": {"spec": {"containers": [{
	"name": "api",
	"image": "registry.example.com/shop/api:1.8.0",
	"securityContext": {"runAsNonRoot": true},
}]}}}}

root_pod := {"request": {"object": {"spec": {"containers": [{
	"name": "api",
	"image": "registry.example.com/shop/api:1.8.0",
}]}}}}

test_safe_pod_admitted if {
	not deny with input as safe_pod
}

test_privileged_pod_denied if {
	deny["container \"api\" must set runAsNonRoot"] with input as root_pod
}
