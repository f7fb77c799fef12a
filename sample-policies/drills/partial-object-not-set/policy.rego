# Terraform plan check: S3 buckets must block public ACLs.
package terraform.buckets

deny[msg] if {
	some r in input.resource_changes
	r.type == "aws_s3_bucket_public_access_block"
	r.change.after.block_public_acls == false
	msg := sprintf("%s must block public ACLs", [r.address])
}
