package docker.dockerfile

from(image, stage) := {"Cmd": "from", "Flags": [], "Value": [image], "Stage": stage}

from_as(image, name, stage) := {"Cmd": "from", "Flags": [], "Value": [image, "AS", name], "Stage": stage}

user(name, stage) := {"Cmd": "user", "Flags": [], "Value": [name], "Stage": stage}

run(command, stage) := {"Cmd": "run", "Flags": [], "Value": [command], "Stage": stage}

test_pinned_image_with_user_passes if {
	count(deny) == 0 with input as [from("nginx:1.27-alpine", 0), user("nginx", 0)]
}

test_latest_tag_denied if {
	deny == {`image "nginx:latest" uses the latest tag instead of a pinned version`} with input as [from("nginx:latest", 0), user("nginx", 0)]
}

test_missing_tag_denied if {
	msg := `image "registry.example.com:5000/team/app" has no tag, so Docker pulls latest instead of a pinned version`
	deny == {msg} with input as [from("registry.example.com:5000/team/app", 0), user("app", 0)]
}

test_digest_pins_image if {
	digest := "sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac"
	untagged := sprintf("nginx@%s", [digest])
	latest := sprintf("nginx:latest@%s", [digest])
	count(deny) == 0 with input as [from(untagged, 0), from(latest, 1), user("nginx", 1)]
}

test_stage_name_and_scratch_skipped if {
	dockerfile := [
		from_as("golang:1.23", "Build", 0),
		run("go build -o /app .", 0),
		from("build", 1),
		from("scratch", 2),
		user("65532", 2),
	]
	count(deny) == 0 with input as dockerfile
}

test_missing_user_denied if {
	deny == {"the final stage has no USER instruction, so the container runs as root"} with input as [from("python:3.13-slim", 0)]
}

test_builder_user_does_not_count if {
	dockerfile := [from_as("node:22", "deps", 0), user("node", 0), from("node:22-slim", 1)]
	deny == {"the final stage has no USER instruction, so the container runs as root"} with input as dockerfile
}

test_last_user_root_denied if {
	dockerfile := [from("python:3.13-slim", 0), user("app", 0), run("apt-get update", 0), user("0:0", 0)]
	deny == {`the last USER of the final stage is "0", so the container runs as root`} with input as dockerfile
}
