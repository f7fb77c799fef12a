# Release pipeline: production changes need approval.
package pipeline.release

default allow := false

allow if {
	input.change.environment == "production"
	count(input.change.approvals) > 0
	every approval in input.change.approvals {
		approval.status == "approved"
	}
}
