# Checks an AWS Lambda function configuration, as printed by
# `aws lambda get-function-configuration --function-name NAME`.
package serverless.lambda

# Runtimes whose end of support falls before December 2026. The dates come
# from tflint-ruleset-aws (rule aws_lambda_function_deprecated_runtime,
# November 2025), which copies them from the AWS Lambda runtimes page.
# NOTE: AWS has moved such dates before, so recheck that page when editing.
deprecated_runtimes := {
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
	"nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x",
	"python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11",
	"java8", "java8.al2", "java11", "java17", "go1.x", "provided", "provided.al2",
	"ruby2.5", "ruby2.7", "ruby3.2",
	"dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7", "dotnet8",
}

# Lambda allows up to 900 seconds. Functions behind an API or a queue
# should fail fast, so this policy allows at most 5 minutes.
max_timeout_seconds := 300

# Variable names that usually hold credentials, such as DB_PASSWORD,
# STRIPE_API_KEY or GITHUB_TOKEN.
secret_name_pattern := `(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY)`

name := input.FunctionName

deny contains msg if {
	input.Runtime in deprecated_runtimes
	msg := sprintf("function %q uses the deprecated runtime %s", [name, input.Runtime])
}

deny contains msg if {
	some variable, value in input.Environment.Variables
	regex.match(secret_name_pattern, variable)
	not secret_reference(value)
	msg := sprintf("function %q has a literal secret in the environment variable %s, which belongs in Secrets Manager or SSM Parameter Store", [name, variable])
}

# The API always returns Timeout (3 seconds when unset), so a missing
# Timeout means a hand-written or generated configuration left it out.
deny contains msg if {
	not input.Timeout
	msg := sprintf("function %q sets no Timeout", [name])
}

deny contains msg if {
	input.Timeout > max_timeout_seconds
	msg := sprintf("function %q has a Timeout of %d seconds, above the limit of %d", [name, input.Timeout, max_timeout_seconds])
}

# A value that only points at a secret is fine, because the function reads
# the secret at run time and the configuration never contains it.
secret_reference(value) if startswith(value, "arn:aws:secretsmanager:")

secret_reference(value) if startswith(value, "arn:aws:ssm:")
