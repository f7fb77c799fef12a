package terraform.plan

plan(changes) := {"format_version": "1.2", "resource_changes": changes}

resource(type, name, actions, after) := {
	"address": sprintf("%s.%s", [type, name]),
	"type": type,
	"name": name,
	"change": {"actions": actions, "after": after},
}

ssh_from(cidr) := {
	"protocol": "tcp",
	"from_port": 22,
	"to_port": 22,
	"cidr_blocks": [cidr],
	"ipv6_cidr_blocks": [],
}

test_empty_plan_passes if {
	count(deny) == 0 with input as plan([])
}

test_public_bucket_acl_denied if {
	acl := resource("aws_s3_bucket_acl", "logs", ["create"], {"acl": "public-read"})
	deny == {`aws_s3_bucket_acl.logs: bucket ACL "public-read" makes the bucket public`} with input as plan([acl])
}

test_private_bucket_acl_passes if {
	acl := resource("aws_s3_bucket_acl", "logs", ["create"], {"acl": "private"})
	count(deny) == 0 with input as plan([acl])
}

test_public_access_block_denied if {
	after := {"block_public_acls": false, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}
	block := resource("aws_s3_bucket_public_access_block", "logs", ["update"], after)
	deny == {"aws_s3_bucket_public_access_block.logs: block_public_acls must be true"} with input as plan([block])
}

test_unencrypted_volume_denied if {
	explicit := resource("aws_ebs_volume", "data", ["create"], {"size": 100, "encrypted": false})
	unset := resource("aws_ebs_volume", "scratch", ["create"], {"size": 20})
	deny == {
		"aws_ebs_volume.data: EBS volume must set encrypted = true",
		"aws_ebs_volume.scratch: EBS volume must set encrypted = true",
	} with input as plan([explicit, unset])
}

test_ssh_open_to_world_denied if {
	sg := resource("aws_security_group", "bastion", ["create"], {"ingress": [ssh_from("0.0.0.0/0")]})
	deny == {"aws_security_group.bastion: SSH (port 22) is open to 0.0.0.0/0"} with input as plan([sg])
}

test_ssh_from_private_range_passes if {
	https := object.union(ssh_from("0.0.0.0/0"), {"from_port": 443, "to_port": 443})
	sg := resource("aws_security_group", "bastion", ["create"], {"ingress": [ssh_from("10.0.0.0/8"), https]})
	count(deny) == 0 with input as plan([sg])
}

test_all_protocols_rule_denied if {
	after := {"cidr_ipv4": null, "cidr_ipv6": "::/0", "ip_protocol": "-1", "from_port": null, "to_port": null}
	rule := resource("aws_vpc_security_group_ingress_rule", "any", ["create"], after)
	deny == {"aws_vpc_security_group_ingress_rule.any: SSH (port 22) is open to ::/0"} with input as plan([rule])
}

# Terraform sets `after` to null for a delete. These changes keep it set, so
# the test fails if the policy stops filtering on the action.
test_deleted_resources_skipped if {
	volume := resource("aws_ebs_volume", "old", ["delete"], {"encrypted": false})
	acl := resource("aws_s3_bucket_acl", "old", ["delete"], {"acl": "public-read"})
	count(deny) == 0 with input as plan([volume, acl])
}

test_replaced_resource_checked if {
	volume := resource("aws_ebs_volume", "data", ["delete", "create"], {"encrypted": false})
	count(deny) == 1 with input as plan([volume])
}
