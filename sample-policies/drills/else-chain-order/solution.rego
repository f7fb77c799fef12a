# Rate limits of the public API gateway, in requests per minute.
package gateway.limits

rate_limit := 1000 if {
	input.caller.plan == "enterprise"
} else := 100 if {
	input.caller.authenticated
} else := 10
