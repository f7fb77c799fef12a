# Terraform plan check: every EBS volume must be encrypted.
package terraform.volumes

deny contains msg if {
	some r in input.resource_changes
	r.type == "aws_ebs_volume"
	not encrypted(r)
	msg := sprintf("%s must be encrypted", [r.address])
}

encrypted(r) if {
	r.change.after.encrypted == true
}
