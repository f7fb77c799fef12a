# Hidden checks: the policy itself must still reject root containers.
package kubernetes.admission_checks

import data.kubernetes.admission

test_root_container_still_denied if {
	count(admission.deny) == 1 with input as {"request": {"object": {"spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}}
}

test_non_root_container_admitted if {
	count(admission.deny) == 0 with input as {"request": {"object": {"spec": {"containers": [{"name": "db", "image": "postgres:16", "securityContext": {"runAsNonRoot": true}}]}}}}
}
