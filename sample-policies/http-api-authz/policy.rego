# Authorization for an HTTP API. The API gateway sends the request method,
# the path split into segments and the authenticated user, for example
# {"method": "GET", "path": ["finance", "salary", "alice"], "user": {"name": "alice"}}.
#
# data.roles maps user names to roles, and data.grants maps each role to
# the requests it may make. Both come from data.json.
package httpapi.authz

default allow := false

# Employees may read their own salary whatever their roles are.
allow if {
	input.method == "GET"
	input.path == ["finance", "salary", input.user.name]
}

allow if {
	some grant in user_grants
	method_matches(grant.method, input.method)
	path_matches(grant.path, input.path)
}

user_roles contains role if some role in data.roles[input.user.name]

user_grants contains grant if {
	some role in user_roles
	some grant in data.grants[role]
}

method_matches("*", _) := true

method_matches(expected, method) if expected == method

# A grant path matches a request path of the same length, where "*"
# matches any one segment.
path_matches(pattern, path) if {
	count(pattern) == count(path)
	every i, segment in pattern {
		segment_matches(segment, path[i])
	}
}

segment_matches("*", _) := true

segment_matches(expected, segment) if expected == segment
