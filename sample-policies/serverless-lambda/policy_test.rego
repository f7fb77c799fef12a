package serverless.lambda

clean_function := {
	"FunctionName": "orders-api",
	"Runtime": "python3.13",
	"Handler": "app.handler",
	"Timeout": 30,
	"MemorySize": 256,
	"Environment": {"Variables": {"TABLE_NAME": "orders"}},
}

with_fields(fields) := object.union(clean_function, fields)

test_clean_function_passes if {
	count(deny) == 0 with input as clean_function
}

test_deprecated_runtime_denied if {
	deny == {`function "orders-api" uses the deprecated runtime go1.x`} with input as with_fields({"Runtime": "go1.x"})
}

test_container_image_without_runtime_passes if {
	image := object.remove(clean_function, {"Runtime", "Handler"})
	count(deny) == 0 with input as object.union(image, {"PackageType": "Image"})
}

test_literal_secret_denied if {
	variables := {"TABLE_NAME": "orders", "stripe_api_key": "sk_live_51H8example"}
	msg := `function "orders-api" has a literal secret in the environment variable stripe_api_key, which belongs in Secrets Manager or SSM Parameter Store`
	deny == {msg} with input as with_fields({"Environment": {"Variables": variables}})
}

test_secret_reference_passes if {
	variables := {
		"DB_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-AbCdEf",
		"SLACK_TOKEN_PARAMETER": "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/slack-token",
	}
	count(deny) == 0 with input as with_fields({"Environment": {"Variables": variables}})
}

test_missing_timeout_denied if {
	deny == {`function "orders-api" sets no Timeout`} with input as object.remove(clean_function, {"Timeout"})
}

test_timeout_above_limit_denied if {
	msg := `function "orders-api" has a Timeout of 900 seconds, above the limit of 300`
	deny == {msg} with input as with_fields({"Timeout": 900})
}

test_timeout_at_limit_passes if {
	count(deny) == 0 with input as with_fields({"Timeout": 300})
}
