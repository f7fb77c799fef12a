# Authorization for the orders API: anyone may read the public catalogue.
package httpapi.authz

allow if {
	input.method == "GET"
	input.path[0] == "catalogue"
}
