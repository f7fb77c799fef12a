# Every cloud resource must carry a cost-center tag.
package cloud.tags

deny contains msg if {
	input.resource.tags["cost-center"] == ""
	msg := sprintf("%s has no cost-center tag", [input.resource.name])
}
