package kubernetes.admission

pod_review(labels, spec) := {
	"apiVersion": "admission.k8s.io/v1",
	"kind": "AdmissionReview",
	"request": {
		"uid": "test-uid",
		"kind": {"group": "", "version": "v1", "kind": "Pod"},
		"operation": "CREATE",
		"object": {
			"apiVersion": "v1",
			"kind": "Pod",
			"metadata": {"name": "web", "labels": labels},
			"spec": spec,
		},
	},
}

good_labels := {"app": "web", "owner": "team-payments"}

good_container := {"name": "web", "image": "registry.example.com/web:1.4.2"}

test_clean_pod_allowed if {
	allow with input as pod_review(good_labels, {"containers": [good_container]})
}

test_privileged_container_denied if {
	container := object.union(good_container, {"securityContext": {"privileged": true}})
	deny == {`container "web" must not run privileged`} with input as pod_review(good_labels, {"containers": [container]})
}

test_privileged_false_allowed if {
	container := object.union(good_container, {"securityContext": {"privileged": false}})
	allow with input as pod_review(good_labels, {"containers": [container]})
}

test_foreign_registry_denied if {
	container := {"name": "web", "image": "docker.io/library/nginx:1.27"}
	msg := `container "web" uses image "docker.io/library/nginx:1.27", which is not from registry.example.com/`
	deny == {msg} with input as pod_review(good_labels, {"containers": [container]})
}

test_init_container_checked if {
	init := {"name": "migrate", "image": "busybox:1.36"}
	review := pod_review(good_labels, {"containers": [good_container], "initContainers": [init]})
	deny == {`container "migrate" uses image "busybox:1.36", which is not from registry.example.com/`} with input as review
	not allow with input as review
}

test_missing_labels_denied if {
	deny == {
		`Pod "web" is missing the required label "app"`,
		`Pod "web" is missing the required label "owner"`,
	} with input as pod_review({}, {"containers": [good_container]})
}

test_deployment_template_checked if {
	review := {"request": {
		"uid": "test-uid",
		"kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
		"object": {
			"metadata": {"name": "web", "labels": good_labels},
			"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
		},
	}}
	deny == {`container "web" uses image "nginx", which is not from registry.example.com/`} with input as review
}

test_response_carries_uid_and_reasons if {
	r := response with input as pod_review({"app": "web"}, {"containers": [good_container]})
	r.uid == "test-uid"
	r.allowed == false
	r.status.message == `Pod "web" is missing the required label "owner"`
}
