//! A generated `terraform show -json` plan for the large-input figures.
//! The same size always gives the same text, so runs compare.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// A generated plan and the deny messages the terraform-plan sample
/// policy must find in it.
pub struct Plan {
    pub text: String,
    pub resources: usize,
    pub expected_denies: usize,
}

/// Resource types in the order they repeat. The first six are the ones
/// the terraform-plan sample checks.
const TYPES: [&str; 8] = [
    "aws_s3_bucket",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_public_access_block",
    "aws_ebs_volume",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_instance",
    "aws_iam_role",
];

/// Builds a plan of at least `target_bytes` bytes, printed on one line as
/// `terraform show -json` prints it. Most resources pass the sample
/// policy; about one in a hundred of each checked type does not.
pub fn terraform_plan(target_bytes: usize) -> Plan {
    let mut changes = String::with_capacity(target_bytes / 2 + 4096);
    let mut planned = String::with_capacity(target_bytes / 2 + 4096);
    let mut resources = 0;
    let mut expected_denies = 0;
    while changes.len() + planned.len() < target_bytes {
        let index = resources;
        let kind = TYPES[index % TYPES.len()];
        let module = index / 400;
        let name = format!("r{index}");
        let address = format!("module.team_{module}.{kind}.{name}");
        let actions = actions(index);
        // Only created or updated resources break the policy, so a deleted
        // one never hides an expected message.
        let broken = (index / TYPES.len()) % 101 == 7 && actions[0] != "delete";
        let after = attributes(kind, index, broken);
        if broken && kind != "aws_s3_bucket" && index % TYPES.len() < 6 {
            expected_denies += 1;
        }
        let (before, after) = match actions {
            ["delete"] => (after, Value::Null),
            ["update"] => (updated_before(&after), after),
            _ => (Value::Null, after),
        };
        let change = json!({
            "address": address,
            "module_address": format!("module.team_{module}"),
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": actions,
                "before": before,
                "after": after,
                "after_unknown": unknown_attributes(kind),
                "before_sensitive": false,
                "after_sensitive": {"tags": {}, "tags_all": {}},
            },
        });
        if resources > 0 {
            changes.push(',');
        }
        changes.push_str(&change.to_string());
        if !after.is_null() {
            if !planned.is_empty() {
                planned.push(',');
            }
            let value = json!({
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": after,
                "sensitive_values": {"tags": {}, "tags_all": {}},
            });
            planned.push_str(&value.to_string());
        }
        resources += 1;
    }
    let mut text = String::with_capacity(changes.len() + planned.len() + 1024);
    let _ = write!(
        text,
        r#"{{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{{"root_module":{{"resources":[{planned}]}}}},"resource_changes":[{changes}],"configuration":{{"provider_config":{{"aws":{{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws","expressions":{{"region":{{"constant_value":"eu-west-1"}}}}}}}},"root_module":{{}}}},"timestamp":"2025-01-15T09:30:00Z","applyable":true,"complete":true,"errored":false}}"#
    );
    Plan {
        text,
        resources,
        expected_denies,
    }
}

fn actions(index: usize) -> &'static [&'static str] {
    if index % 31 == 5 {
        &["delete"]
    } else if index % 53 == 9 {
        &["delete", "create"]
    } else if index % 10 == 3 {
        &["update"]
    } else {
        &["create"]
    }
}

fn tags(index: usize) -> Value {
    json!({
        "team": format!("team-{}", index % 17),
        "environment": (["dev", "staging", "production"][index % 3]),
        "cost_center": format!("cc-{:04}", index % 251),
        "managed_by": "terraform",
    })
}

/// The `after` attributes of one resource. `broken` makes the resource
/// fail the sample policy once.
fn attributes(kind: &str, index: usize, broken: bool) -> Value {
    let bucket = format!("acme-data-{index}-eu-west-1");
    match kind {
        "aws_s3_bucket" => json!({
            "bucket": bucket,
            "bucket_prefix": null,
            "force_destroy": false,
            "object_lock_enabled": false,
            "tags": tags(index),
            "tags_all": tags(index),
            "timeouts": null,
        }),
        "aws_s3_bucket_acl" => json!({
            "bucket": bucket,
            "acl": if broken { "public-read" } else { "private" },
            "expected_bucket_owner": null,
            "access_control_policy": [],
        }),
        "aws_s3_bucket_public_access_block" => json!({
            "bucket": bucket,
            "block_public_acls": !broken,
            "block_public_policy": true,
            "ignore_public_acls": true,
            "restrict_public_buckets": true,
        }),
        "aws_ebs_volume" => json!({
            "availability_zone": format!("eu-west-1{}", ["a", "b", "c"][index % 3]),
            "encrypted": !broken,
            "final_snapshot": false,
            "iops": 3000,
            "kms_key_id": null,
            "multi_attach_enabled": false,
            "size": 20 + index % 480,
            "snapshot_id": null,
            "throughput": 125,
            "type": "gp3",
            "tags": tags(index),
            "tags_all": tags(index),
        }),
        "aws_security_group" => {
            let mut ingress = vec![ingress_block(443, "10.0.0.0/8", "HTTPS from the VPC")];
            if broken {
                ingress.push(ingress_block(22, "0.0.0.0/0", "SSH for debugging"));
            } else {
                ingress.push(ingress_block(22, "10.20.0.0/16", "SSH from the bastion"));
            }
            json!({
                "name": format!("sg-{index}"),
                "description": "Managed by Terraform",
                "vpc_id": format!("vpc-{:08x}", index % 7),
                "ingress": ingress,
                "egress": [{
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": "",
                    "from_port": 0,
                    "to_port": 0,
                    "protocol": "-1",
                    "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [],
                    "security_groups": [],
                    "self": false,
                }],
                "revoke_rules_on_delete": false,
                "tags": tags(index),
                "tags_all": tags(index),
            })
        }
        "aws_vpc_security_group_ingress_rule" => json!({
            "security_group_id": format!("sg-{:017x}", index),
            "cidr_ipv4": if broken { "0.0.0.0/0" } else { "10.1.0.0/16" },
            "cidr_ipv6": null,
            "description": "Application port",
            "ip_protocol": "tcp",
            "from_port": if broken { 22 } else { 8080 },
            "to_port": if broken { 22 } else { 8080 },
            "prefix_list_id": null,
            "referenced_security_group_id": null,
            "tags": null,
        }),
        "aws_instance" => json!({
            "ami": format!("ami-{:017x}", index % 13),
            "instance_type": (["t3.micro", "t3.small", "m6i.large"][index % 3]),
            "subnet_id": format!("subnet-{:08x}", index % 11),
            "vpc_security_group_ids": [format!("sg-{:017x}", index)],
            "associate_public_ip_address": false,
            "monitoring": true,
            "user_data": null,
            "metadata_options": [{"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1}],
            "root_block_device": [{"delete_on_termination": true, "encrypted": true, "volume_size": 30, "volume_type": "gp3"}],
            "tags": tags(index),
            "tags_all": tags(index),
        }),
        _ => json!({
            "name": format!("role-{index}"),
            "path": "/",
            "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
            "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "max_session_duration": 3600,
            "permissions_boundary": null,
            "tags": tags(index),
            "tags_all": tags(index),
        }),
    }
}

fn ingress_block(port: u16, cidr: &str, description: &str) -> Value {
    json!({
        "cidr_blocks": [cidr],
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": false,
    })
}

/// The state before an update: the same resource with other tags.
fn updated_before(after: &Value) -> Value {
    let mut before = after.clone();
    if let Some(tags) = before.get_mut("tags").and_then(Value::as_object_mut) {
        tags.insert("environment".to_string(), json!("legacy"));
    }
    before
}

/// Attributes the provider computes during apply, as a plan marks them.
fn unknown_attributes(kind: &str) -> Value {
    match kind {
        "aws_s3_bucket" => {
            json!({"arn": true, "id": true, "region": true, "tags": {}, "tags_all": {}})
        }
        "aws_instance" => json!({"arn": true, "id": true, "private_ip": true, "public_ip": true}),
        _ => json!({"arn": true, "id": true}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_reaches_size() {
        let plan = terraform_plan(200_000);
        assert!(plan.text.len() >= 200_000);
        assert!(plan.expected_denies > 0);
        let parsed: Value = serde_json::from_str(&plan.text).unwrap();
        let changes = parsed["resource_changes"].as_array().unwrap();
        assert_eq!(changes.len(), plan.resources);
    }

    #[test]
    fn plan_is_deterministic() {
        assert_eq!(terraform_plan(50_000).text, terraform_plan(50_000).text);
    }
}
