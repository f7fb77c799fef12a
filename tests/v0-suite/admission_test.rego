package workshop.admission

dana_token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYW5hIiwicm9sZSI6ImFkbWluIn0.WLoJ1IKVuGdvA8jockAQfOZL4CQD9aPFJdEik-AEkX4"

# Signed with another secret.
eve_token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJldmUiLCJyb2xlIjoiYWRtaW4ifQ.yn4GhazHHd3EWkBcSdzfR6Pa4VZORO7v476DERjzOMA"

sam_token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzYW0iLCJyb2xlIjoidmlld2VyIn0.MzKqBo5NXZjYCrAkTfgdNr51ZQlXd7NHkd1eh4KDWHQ"

es_token := "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYW5hIiwiaXNzIjoid29ya3Nob3AiLCJhdWQiOiJwb2xpY3ktd29ya3Nob3AiLCJleHAiOjQxMDI0NDQ4MDAsIm5iZiI6MTAwMDAwMDAwMH0.Uxmmvn0Wv3_pfElCbBrCTOEwftNUSuYngmQT_OrQLrNlO8g0clSFOxuf8SdrKy6CePJLqei6G5N7z1m0ambK9Q"

test_every_body_adds_a_port {
	ports := allowed_ports with input as {"extra_port": 8443}
	ports == {80, 443, 8443}
}

test_standard_ports_pass {
	count(deny) == 0 with input as {"pod": {"containers": [{"name": "web", "port": 80}, {"name": "tls", "port": 443}]}}
}

test_other_port_denied {
	deny["container db exposes port 5432"] with input as {"pod": {"containers": [{"name": "db", "port": 5432}]}}
}

# OPA evaluates c.port before the negation, so a container without a
# port is not denied.
test_container_without_port_not_denied {
	count(deny) == 0 with input as {"pod": {"containers": [{"name": "sidecar"}]}}
}

test_wide_cpu_range_denied {
	deny["the CPU range is wider than allowed"] with input as {"limits": {"max_cpu_spread": 2}, "pod": {"max_cpu": 8, "min_cpu": 2}}
}

test_narrow_cpu_range_allowed {
	count(deny) == 0 with input as {"limits": {"max_cpu_spread": 2}, "pod": {"max_cpu": 3, "min_cpu": 2}}
}

test_valid_admin_token {
	admin with input as {"token": dana_token}
}

test_forged_token_is_not_admin {
	not admin with input as {"token": eve_token}
}

test_viewer_is_not_admin {
	not admin with input as {"token": sam_token}
	claims.sub == "sam" with input as {"token": sam_token}
}

test_es256_token_verified {
	es_subject == "dana" with input as {"es_token": es_token}
}
