//! Tests for the sample policies under `sample-policies/`.
//!
//! Each test runs the real `policy-workshop eval` binary, the way a user
//! would, and checks the decision for every input a sample ships and that
//! every `test_` rule in the sample's `policy_test.rego` evaluates to true.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Expected `deny` set for one file under a sample's `inputs/` folder.
struct DenyCase {
    input: &'static str,
    /// Number of messages in `deny`, where 0 means the input passes.
    count: usize,
    /// Fragments that must each appear in at least one message.
    fragments: &'static [&'static str],
}

/// Expected `allow` value for one file under a sample's `inputs/` folder.
struct AllowCase {
    input: &'static str,
    allow: bool,
}

fn sample_dir(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-policies")
        .join(folder)
}

/// Returns the policy, the base data (if the sample has any) and, when
/// `with_tests` is set, the test file of a sample, as `-d` paths.
fn data_paths(folder: &str, with_tests: bool) -> Vec<PathBuf> {
    let dir = sample_dir(folder);
    let mut paths = vec![dir.join("policy.rego")];
    if dir.join("data.json").exists() {
        paths.push(dir.join("data.json"));
    }
    if with_tests {
        paths.push(dir.join("policy_test.rego"));
    }
    paths
}

/// Runs `policy-workshop eval --format json` and returns the value of the
/// query, or `None` when the output has no `result` (the query is undefined).
fn eval(data: &[PathBuf], input: Option<&Path>, query: &str) -> Option<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_policy-workshop"));
    command.arg("eval").arg("--format").arg("json");
    for path in data {
        command.arg("-d").arg(path);
    }
    if let Some(input) = input {
        command.arg("-i").arg(input);
    }
    command.arg(query);

    let output = command.output().expect("failed to start policy-workshop");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`policy-workshop eval {query}` with {data:?} and input {input:?} exited with {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );

    let document: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("output of `eval {query}` is not JSON: {err}\n{stdout}"));
    let result = document.get("result")?;
    let results = result.as_array().expect("`result` is an array");
    assert_eq!(
        results.len(),
        1,
        "`eval {query}` returned several results: {stdout}"
    );
    let expressions = results[0]["expressions"]
        .as_array()
        .expect("`expressions` is an array");
    assert_eq!(
        expressions.len(),
        1,
        "`eval {query}` returned several expressions: {stdout}"
    );
    Some(expressions[0]["value"].clone())
}

/// Returns the file names in a sample's `inputs/` folder.
fn input_names(folder: &str) -> BTreeSet<String> {
    let dir = sample_dir(folder).join("inputs");
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|err| panic!("failed to read {}: {err}", dir.display()));
    entries
        .map(|entry| {
            entry
                .expect("readable directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Checks that the cases name exactly the files in `inputs/`, so a new input
/// without an expected decision fails the test.
fn assert_cases_cover_inputs(folder: &str, cases: &[&str]) {
    let expected: BTreeSet<String> = cases.iter().map(|name| name.to_string()).collect();
    assert_eq!(
        input_names(folder),
        expected,
        "inputs of {folder} and its test cases differ"
    );
}

fn check_deny_cases(folder: &str, package: &str, cases: &[DenyCase]) {
    let names: Vec<&str> = cases.iter().map(|case| case.input).collect();
    assert_cases_cover_inputs(folder, &names);

    let query = format!("data.{package}.deny");
    for case in cases {
        let input = sample_dir(folder).join("inputs").join(case.input);
        let value = eval(&data_paths(folder, false), Some(&input), &query)
            .unwrap_or_else(|| panic!("{query} is undefined for {folder}/inputs/{}", case.input));
        let messages: Vec<&str> = value
            .as_array()
            .unwrap_or_else(|| panic!("{query} is not a set: {value}"))
            .iter()
            .map(|message| message.as_str().expect("deny message is a string"))
            .collect();

        assert_eq!(
            messages.len(),
            case.count,
            "deny for {folder}/inputs/{}: {messages:#?}",
            case.input
        );
        for fragment in case.fragments {
            assert!(
                messages.iter().any(|message| message.contains(fragment)),
                "no deny message for {folder}/inputs/{} contains {fragment:?}: {messages:#?}",
                case.input
            );
        }
    }
}

fn check_allow_cases(folder: &str, package: &str, cases: &[AllowCase]) {
    let names: Vec<&str> = cases.iter().map(|case| case.input).collect();
    assert_cases_cover_inputs(folder, &names);

    let query = format!("data.{package}.allow");
    for case in cases {
        let input = sample_dir(folder).join("inputs").join(case.input);
        let value = eval(&data_paths(folder, false), Some(&input), &query);
        assert_eq!(
            value,
            Some(Value::Bool(case.allow)),
            "allow for {folder}/inputs/{}",
            case.input
        );
    }
}

/// Returns the names of the `test_` rules defined in a sample's test file.
fn rego_test_names(folder: &str) -> BTreeSet<String> {
    let path = sample_dir(folder).join("policy_test.rego");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("failed to read {}: {err}", path.display()));
    text.lines()
        .filter(|line| line.starts_with("test_"))
        .map(|line| {
            let end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(line.len());
            line[..end].to_string()
        })
        .collect()
}

/// Evaluates the whole package with its tests loaded and no input, and
/// checks that every `test_` rule is true. A failing test rule is
/// undefined, so it is missing from the package document.
fn check_rego_tests(folder: &str, package: &str) {
    let names = rego_test_names(folder);
    assert!(
        names.len() >= 5,
        "{folder} has only {} test rules",
        names.len()
    );

    let query = format!("data.{package}");
    let document = eval(&data_paths(folder, true), None, &query)
        .unwrap_or_else(|| panic!("{query} is undefined with the tests of {folder} loaded"));
    for name in &names {
        assert_eq!(
            document.get(name),
            Some(&Value::Bool(true)),
            "{folder}: {name} did not pass"
        );
    }
}

/// Returns the `package` line of a sample's Rego file.
fn package_line(path: &Path) -> String {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("failed to read {}: {err}", path.display()));
    text.lines()
        .find(|line| line.starts_with("package "))
        .unwrap_or_else(|| panic!("{} has no package line", path.display()))
        .to_string()
}

const SAMPLES: [(&str, &str); 5] = [
    ("kubernetes-admission", "kubernetes.admission"),
    ("terraform-plan", "terraform.plan"),
    ("http-api-authz", "httpapi.authz"),
    ("serverless-lambda", "serverless.lambda"),
    ("dockerfile", "docker.dockerfile"),
];

#[test]
fn samples_folder_layout() {
    for (folder, package) in SAMPLES {
        let dir = sample_dir(folder);

        let readme = fs::read_to_string(dir.join("README.md"))
            .unwrap_or_else(|err| panic!("failed to read {folder}/README.md: {err}"));
        assert!(
            readme.starts_with("# "),
            "{folder}/README.md does not start with a title"
        );

        let expected = format!("package {package}");
        assert_eq!(
            package_line(&dir.join("policy.rego")),
            expected,
            "{folder}/policy.rego"
        );
        assert_eq!(
            package_line(&dir.join("policy_test.rego")),
            expected,
            "{folder}/policy_test.rego"
        );

        assert!(
            input_names(folder).len() >= 2,
            "{folder} has fewer than two inputs"
        );
    }
}

#[test]
fn kubernetes_admission_inputs() {
    let folder = "kubernetes-admission";
    let package = "kubernetes.admission";
    check_deny_cases(
        folder,
        package,
        &[
            DenyCase {
                input: "pod-compliant.json",
                count: 0,
                fragments: &[],
            },
            DenyCase {
                input: "pod-privileged.json",
                count: 3,
                fragments: &[
                    r#"container "debug" must not run privileged"#,
                    r#"container "shell" uses image "docker.io/library/busybox:1.36""#,
                    r#"Pod "node-debugger" is missing the required label "owner""#,
                ],
            },
            DenyCase {
                input: "deployment-compliant.json",
                count: 0,
                fragments: &[],
            },
            DenyCase {
                input: "deployment-untrusted-image.json",
                count: 2,
                fragments: &[
                    r#"container "redis" uses image "redis:7.2""#,
                    r#"Deployment "redis-cache" is missing the required label "owner""#,
                ],
            },
        ],
    );
    check_allow_cases(
        folder,
        package,
        &[
            AllowCase {
                input: "pod-compliant.json",
                allow: true,
            },
            AllowCase {
                input: "pod-privileged.json",
                allow: false,
            },
            AllowCase {
                input: "deployment-compliant.json",
                allow: true,
            },
            AllowCase {
                input: "deployment-untrusted-image.json",
                allow: false,
            },
        ],
    );
}

#[test]
fn kubernetes_admission_response() {
    let folder = "kubernetes-admission";
    let input = sample_dir(folder)
        .join("inputs")
        .join("deployment-untrusted-image.json");
    let response = eval(
        &data_paths(folder, false),
        Some(&input),
        "data.kubernetes.admission.response",
    )
    .expect("response is defined for an AdmissionReview");

    assert_eq!(response["uid"], "c9d0e1f2-a3b4-4c5d-8e6f-7a8b9c0d1e2f");
    assert_eq!(response["allowed"], false);
    let message = response["status"]["message"]
        .as_str()
        .expect("status.message is a string");
    assert!(message.contains("redis:7.2"), "status.message: {message}");
}

#[test]
fn terraform_plan_inputs() {
    check_deny_cases(
        "terraform-plan",
        "terraform.plan",
        &[
            DenyCase {
                input: "plan-compliant.json",
                count: 0,
                fragments: &[],
            },
            DenyCase {
                input: "plan-violations.json",
                count: 5,
                fragments: &[
                    r#"aws_s3_bucket_acl.public_reports: bucket ACL "public-read""#,
                    "aws_s3_bucket_public_access_block.public_reports: block_public_acls must be true",
                    "aws_s3_bucket_public_access_block.public_reports: ignore_public_acls must be true",
                    "aws_ebs_volume.reports_data: EBS volume must set encrypted = true",
                    "aws_security_group.bastion: SSH (port 22) is open to 0.0.0.0/0",
                ],
            },
        ],
    );
}

#[test]
fn http_api_authz_inputs() {
    check_allow_cases(
        "http-api-authz",
        "httpapi.authz",
        &[
            AllowCase {
                input: "alice-reads-own-salary.json",
                allow: true,
            },
            AllowCase {
                input: "alice-reads-bob-salary.json",
                allow: false,
            },
            AllowCase {
                input: "bob-hr-reads-salary.json",
                allow: true,
            },
            AllowCase {
                input: "dave-auditor-updates-salary.json",
                allow: false,
            },
        ],
    );
}

#[test]
fn serverless_lambda_inputs() {
    check_deny_cases(
        "serverless-lambda",
        "serverless.lambda",
        &[
            DenyCase {
                input: "orders-api.json",
                count: 0,
                fragments: &[],
            },
            DenyCase {
                input: "legacy-report-export.json",
                count: 4,
                fragments: &[
                    "deprecated runtime nodejs14.x",
                    "environment variable SMTP_PASSWORD",
                    "environment variable CRM_API_KEY",
                    "Timeout of 900 seconds",
                ],
            },
            DenyCase {
                input: "thumbnail-worker-no-timeout.json",
                count: 1,
                fragments: &[r#"function "thumbnail-worker" sets no Timeout"#],
            },
        ],
    );
}

#[test]
fn dockerfile_inputs() {
    check_deny_cases(
        "dockerfile",
        "docker.dockerfile",
        &[
            DenyCase {
                input: "multi-stage-nonroot.json",
                count: 0,
                fragments: &[],
            },
            DenyCase {
                input: "latest-tag-no-user.json",
                count: 2,
                fragments: &[
                    r#"image "nginx:latest" uses the latest tag"#,
                    "no USER instruction",
                ],
            },
            DenyCase {
                input: "untagged-root-user.json",
                count: 2,
                fragments: &[
                    r#"image "python" has no tag"#,
                    r#"last USER of the final stage is "root""#,
                ],
            },
        ],
    );
}

#[test]
fn kubernetes_admission_rego_tests() {
    check_rego_tests("kubernetes-admission", "kubernetes.admission");
}

#[test]
fn terraform_plan_rego_tests() {
    check_rego_tests("terraform-plan", "terraform.plan");
}

#[test]
fn http_api_authz_rego_tests() {
    check_rego_tests("http-api-authz", "httpapi.authz");
}

#[test]
fn serverless_lambda_rego_tests() {
    check_rego_tests("serverless-lambda", "serverless.lambda");
}

#[test]
fn dockerfile_rego_tests() {
    check_rego_tests("dockerfile", "docker.dockerfile");
}
