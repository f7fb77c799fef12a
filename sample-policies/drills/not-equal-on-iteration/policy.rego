# Internal projects API: only admins may delete a project.
package projects.api

deny contains "only admins may delete projects" if {
	input.method == "DELETE"
	input.user.roles[_] != "admin"
}
