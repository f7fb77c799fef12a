# Checks a Dockerfile parsed by conftest: an array of instructions such as
# {"Cmd": "from", "Flags": [], "Value": ["nginx:1.27"], "Stage": 0, ...}.
# Some conftest versions wrap that array in another one. Pass the inner array.
package docker.dockerfile

from_instructions := [instruction | some instruction in input; instruction.Cmd == "from"]

# Names given with `FROM image AS name`, which later FROM lines may reuse.
# Docker compares stage names without regard to case.
stage_names contains name if {
	some instruction in from_instructions
	count(instruction.Value) == 3
	lower(instruction.Value[1]) == "as"
	name := lower(instruction.Value[2])
}

# Images pulled from a registry, leaving out earlier stages and `scratch`.
# NOTE: conftest does not expand ARG values, so `FROM ${BASE}` counts as an
# image without a tag.
base_images contains image if {
	some instruction in from_instructions
	image := instruction.Value[0]
	not lower(image) in stage_names
	image != "scratch"
}

# The tag follows the ":" in the last path segment, before any "@digest". A
# ":" in an earlier segment separates a registry host from its port.
image_tag(image) := tag if {
	segments := split(split(image, "@")[0], "/")
	parts := split(segments[count(segments) - 1], ":")
	count(parts) == 2
	tag := parts[1]
}

# A digest (`image@sha256:...`) pins the image, and Docker ignores any tag
# written before it.
pinned(image) if contains(image, "@")

deny contains msg if {
	some image in base_images
	not pinned(image)
	image_tag(image) == "latest"
	msg := sprintf("image %q uses the latest tag instead of a pinned version", [image])
}

deny contains msg if {
	some image in base_images
	not pinned(image)
	not image_tag(image)
	msg := sprintf("image %q has no tag, so Docker pulls latest instead of a pinned version", [image])
}

# Only the last stage becomes the image, so only its USER matters.
final_stage := max([instruction.Stage | some instruction in input])

final_users := [user |
	some instruction in input
	instruction.Cmd == "user"
	instruction.Stage == final_stage
	user := split(instruction.Value[0], ":")[0]
]

deny contains "the final stage has no USER instruction, so the container runs as root" if {
	count(final_users) == 0
}

deny contains msg if {
	user := final_users[count(final_users) - 1]
	user in {"root", "0"}
	msg := sprintf("the last USER of the final stage is %q, so the container runs as root", [user])
}
