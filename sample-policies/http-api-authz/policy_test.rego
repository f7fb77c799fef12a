package httpapi.authz

fixture_roles := {
	"alice": ["employee"],
	"bob": ["employee", "hr"],
	"carol": ["payroll-admin"],
}

fixture_grants := {
	"employee": [{"method": "GET", "path": ["directory", "*"]}],
	"hr": [{"method": "GET", "path": ["finance", "salary", "*"]}],
	"payroll-admin": [{"method": "*", "path": ["finance", "salary", "*"]}],
}

request(name, method, path) := {"method": method, "path": path, "user": {"name": name}}

allowed(req) if {
	allow with input as req with data.roles as fixture_roles with data.grants as fixture_grants
}

test_own_salary_allowed if {
	allowed(request("alice", "GET", ["finance", "salary", "alice"]))
}

test_other_salary_denied if {
	not allowed(request("alice", "GET", ["finance", "salary", "bob"]))
}

test_own_salary_update_denied if {
	not allowed(request("alice", "PUT", ["finance", "salary", "alice"]))
}

test_hr_reads_any_salary if {
	allowed(request("bob", "GET", ["finance", "salary", "alice"]))
}

test_hr_cannot_update_salary if {
	not allowed(request("bob", "PUT", ["finance", "salary", "alice"]))
}

test_wildcard_method_allowed if {
	allowed(request("carol", "DELETE", ["finance", "salary", "alice"]))
}

test_wildcard_matches_one_segment if {
	allowed(request("alice", "GET", ["directory", "bob"]))
	not allowed(request("alice", "GET", ["directory"]))
	not allowed(request("alice", "GET", ["directory", "bob", "photo"]))
}

test_unknown_user_denied if {
	not allowed(request("mallory", "GET", ["directory", "bob"]))
}
