# Terraform plan check: every EBS volume must be encrypted.
package terraform.volumes

deny[msg] {
	r := input.resource_changes[_]
	r.type == "aws_ebs_volume"
	not encrypted(r)
	msg := sprintf("%s must be encrypted", [r.address])
}

encrypted(r) {
	r.change.after.encrypted == true
}
