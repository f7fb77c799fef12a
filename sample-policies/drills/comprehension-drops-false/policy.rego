# API gateway: a tenant's feature flags and the requests they forbid.
package gateway.tenants

flags := {name: input.tenant.features[name] | input.tenant.features[name]}

deny contains msg if {
	flags.audit_log == false
	msg := sprintf("tenant %s has audit logging switched off", [input.tenant.id])
}
