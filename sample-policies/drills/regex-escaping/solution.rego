# Admission policy: images only from the company registry.
package kubernetes.images

deny contains msg if {
	some container in input.request.object.spec.containers
	not regex.match(`^registry\.corp\.example\.com/`, container.image)
	msg := sprintf("image %q is not from registry.corp.example.com", [container.image])
}
