# A Rego v0 policy (no `if`, no `contains`) in the style of Kubernetes
# admission libraries: rules with several bodies, statements that start
# with a parenthesis, and JWT checks.
package workshop.admission

# Ports a container may expose: each body adds one.
allowed_ports[p] {
	p := 80
} {
	p := 443
} {
	p := input.extra_port
}

deny[msg] {
	c := input.pod.containers[_]
	not allowed_ports[c.port]
	msg := sprintf("container %s exposes port %v", [c.name, c.port])
}

deny[msg] {
	spread := input.limits.max_cpu_spread
	(input.pod.max_cpu - input.pod.min_cpu) > spread
	msg := "the CPU range is wider than allowed"
}

# The token's claims, when its HS256 signature is valid.
claims = payload {
	io.jwt.verify_hs256(input.token, "workshop-secret")
	[_, payload, _] := io.jwt.decode(input.token)
}

admin {
	claims.role == "admin"
}

es_key := `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgLulZkku/RRkrsssXImG5NIVKeDN
sc+vOVY9yBrJT4BPjYP7+5RGVOHF2daz8ozL/Ju1J4lbQ2Jd0oRKL5Sg0A==
-----END PUBLIC KEY-----`

# An ES256 token checked with its constraints at a fixed time (2033).
es_subject = subject {
	[valid, _, payload] := io.jwt.decode_verify(input.es_token, {
		"cert": es_key,
		"aud": "policy-workshop",
		"time": 2000000000000000000,
	})
	valid
	subject := payload.sub
}
