# Checks a Terraform plan, as printed by `terraform show -json tfplan`,
# for AWS resources that expose data. Written for the AWS provider v4 and
# later, where bucket ACLs and public access blocks are separate resources.
package terraform.plan

public_acls := {"public-read", "public-read-write"}

# Any IPv4 or IPv6 address.
internet_cidrs := {"0.0.0.0/0", "::/0"}

public_access_settings := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

# Resources that will exist after apply. A plain delete leaves nothing to
# check, but a replacement (["delete", "create"]) creates a new resource.
changes contains rc if {
	some rc in input.resource_changes
	rc.change.actions != ["delete"]
}

deny contains msg if {
	some rc in changes
	rc.type == "aws_s3_bucket_acl"
	rc.change.after.acl in public_acls
	msg := sprintf("%s: bucket ACL %q makes the bucket public", [rc.address, rc.change.after.acl])
}

deny contains msg if {
	some rc in changes
	rc.type == "aws_s3_bucket_public_access_block"
	some setting in public_access_settings
	rc.change.after[setting] == false
	msg := sprintf("%s: %s must be true", [rc.address, setting])
}

# A volume that leaves `encrypted` unset is encrypted only if the account
# turns on EBS encryption by default, which a plan cannot show.
deny contains msg if {
	some rc in changes
	rc.type == "aws_ebs_volume"
	object.get(rc.change.after, "encrypted", false) != true
	msg := sprintf("%s: EBS volume must set encrypted = true", [rc.address])
}

deny contains msg if {
	some rule in open_ingress
	allows_port(rule, 22)
	msg := sprintf("%s: SSH (port 22) is open to %s", [rule.address, rule.cidr])
}

# Inline `ingress` blocks of aws_security_group.
open_ingress contains rule if {
	some rc in changes
	rc.type == "aws_security_group"
	some block in rc.change.after.ingress
	some cidr in array.concat(block.cidr_blocks, object.get(block, "ipv6_cidr_blocks", []))
	cidr in internet_cidrs
	rule := object.union(block, {"address": rc.address, "cidr": cidr})
}

# Standalone rules (AWS provider v5), mapped to the inline field names. A
# plan lists every attribute of `after`, with null for unset ones.
open_ingress contains rule if {
	some rc in changes
	rc.type == "aws_vpc_security_group_ingress_rule"
	after := rc.change.after
	some key in ["cidr_ipv4", "cidr_ipv6"]
	cidr := after[key]
	cidr in internet_cidrs
	rule := {
		"address": rc.address,
		"cidr": cidr,
		"protocol": after.ip_protocol,
		"from_port": after.from_port,
		"to_port": after.to_port,
	}
}

# Protocol "-1" means all protocols and all ports.
allows_port(rule, _) if rule.protocol == "-1"

allows_port(rule, port) if {
	rule.protocol in {"tcp", "6"}
	rule.from_port <= port
	port <= rule.to_port
}
