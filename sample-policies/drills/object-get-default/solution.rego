# Every cloud resource must carry a cost-center tag.
package cloud.tags

deny contains msg if {
	object.get(input.resource.tags, "cost-center", "") == ""
	msg := sprintf("%s has no cost-center tag", [input.resource.name])
}
