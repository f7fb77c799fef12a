# Admission policy: images only from allowed registries, and its tests.
package kubernetes.registries

default allow := false

allow if {
	registry := split(input.image, "/")[0]
	registry in data.config.allowed_registries
}

test_staging_registry_allowed if {
	allow with input as {"image": "staging.corp.example.com/shop/api:1.9.0-rc1"}
		with data.allowed_registries as ["staging.corp.example.com"]
}
