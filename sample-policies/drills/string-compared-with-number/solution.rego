# Limits on uploads to the file service.
package files.upload

max_body_bytes := 1048576

deny contains "request body is larger than 1 MiB" if {
	to_number(input.headers["content-length"]) > max_body_bytes
}
