package graphemu

import (
	"net/http"
	"regexp"
	"strings"
)

// roleInstanceKind says which Privileged Identity Management (PIM) instances a list serves.
type roleInstanceKind int

const (
	assignmentInstances  roleInstanceKind = iota // active roles: unifiedRoleAssignmentScheduleInstance
	eligibilityInstances                         // eligible roles: unifiedRoleEligibilityScheduleInstance
)

// entitySet is the kind's path segment under /roleManagement/directory.
func (k roleInstanceKind) entitySet() string {
	if k == eligibilityInstances {
		return "roleEligibilityScheduleInstances"
	}
	return "roleAssignmentScheduleInstances"
}

// typeName is the kind's Graph type, as error messages name it.
func (k roleInstanceKind) typeName() string {
	if k == eligibilityInstances {
		return "microsoft.graph.unifiedRoleEligibilityScheduleInstance"
	}
	return "microsoft.graph.unifiedRoleAssignmentScheduleInstance"
}

// roleInstance is one role a user holds (or is eligible for), directly or through a group.
type roleInstance struct {
	user  *userRec
	role  string
	scope string    // directoryScopeId
	group *groupRec // nil: memberType Direct
}

// roleInstances lists every instance of the kind, user by user: the user's own roles (for assignments,
// tenant-wide directoryRoles then scopedRoles; for eligibility, eligibleRoles), then those of its groups.
func (s *state) roleInstances(kind roleInstanceKind) []roleInstance {
	var out []roleInstance
	for _, u := range s.users {
		direct := u.roles
		if kind == eligibilityInstances {
			direct = u.eligibleRoles
		}
		for _, role := range direct {
			out = append(out, roleInstance{user: u, role: role, scope: "/"})
		}
		if kind == assignmentInstances {
			for _, sr := range u.scopedRoles {
				out = append(out, roleInstance{user: u, role: sr.Role, scope: "/administrativeUnits/" + sr.AdministrativeUnitID})
			}
		}
		for _, g := range s.groupsOf(u) {
			roles := g.roles
			if kind == eligibilityInstances {
				roles = g.eligibleRoles
			}
			for _, role := range roles {
				out = append(out, roleInstance{user: u, role: role, scope: "/", group: g})
			}
		}
	}
	return out
}

// json renders the instance with stable ids; a role held through a group shares its origin and schedule ids
// with the other members' instances of it.
func (ri roleInstance) json(kind roleInstanceKind) map[string]any {
	tmpl := roleTemplateID(ri.role)
	memberType, origin := "Direct", "user:"+ri.user.id
	if ri.group != nil {
		memberType, origin = "Group", "group:"+ri.group.id
	}
	key := origin + "|" + tmpl + "|" + ri.scope
	out := map[string]any{
		"id":               stableGUID(kind.entitySet() + ":" + ri.user.id + "|" + key),
		"principalId":      ri.user.id,
		"roleDefinitionId": tmpl,
		"directoryScopeId": ri.scope,
		"appScopeId":       nil,
		"startDateTime":    fmtTime(ri.user.createdAt),
		"endDateTime":      nil,
		"memberType":       memberType,
	}
	if kind == assignmentInstances {
		out["assignmentType"] = "Assigned"
		out["roleAssignmentOriginId"] = stableGUID("roleAssignment:" + key)
		out["roleAssignmentScheduleId"] = stableGUID("roleAssignmentSchedule:" + key)
	} else {
		out["roleEligibilityScheduleId"] = stableGUID("roleEligibilitySchedule:" + key)
	}
	return out
}

// roleDefinitionJSON renders the unifiedRoleDefinition of a role name; a built-in role's id is its templateId.
func roleDefinitionJSON(name string) map[string]any {
	tmpl := roleTemplateID(name)
	return map[string]any{"id": tmpl, "displayName": name, "description": nil,
		"isBuiltIn": true, "isEnabled": true, "templateId": tmpl}
}

// principalFilter is the one $filter the instance lists support.
var principalFilter = regexp.MustCompile(`(?i)^\s*principalId\s+eq\s+'([^']*)'\s*$`)

// roleQuery is what a list of role instances was asked for.
type roleQuery struct {
	principal   string   // "": every principal
	expand      bool     // $expand=roleDefinition
	defSel      []string // the roleDefinition's $select; nil: all its properties
	top, offset int
}

// parseRoleQuery reads $filter, $expand and paging; a non-empty msg is a 400 answer with code.
func parseRoleQuery(r *http.Request, kind roleInstanceKind) (q roleQuery, code, msg string) {
	var pageMsg string
	if q.top, q.offset, pageMsg = pageParams(r); pageMsg != "" {
		return q, codeRequestBadRequest, pageMsg
	}
	if raw := r.URL.Query().Get("$filter"); strings.TrimSpace(raw) != "" {
		m := principalFilter.FindStringSubmatch(raw)
		if m == nil {
			return q, codeBadRequest, "Invalid filter clause: the emulator supports only principalId eq '{id}', not '" + raw + "'."
		}
		q.principal = m[1]
	}
	raw := strings.TrimSpace(r.URL.Query().Get("$expand"))
	if raw == "" {
		return q, "", ""
	}
	name, sel, ok := splitExpand(raw)
	if !strings.EqualFold(name, "roleDefinition") {
		return q, codeRequestBadRequest, "Could not find a navigation property named '" + name + "' on type '" + kind.typeName() + "'."
	}
	if !ok {
		return q, codeRequestBadRequest, "Invalid $expand option '" + raw + "': only a nested $select is supported."
	}
	if _, bad := selectProps(roleDefinitionJSON(""), sel); bad != "" {
		return q, codeRequestBadRequest, "Could not find a property named '" + bad + "' on type 'microsoft.graph.unifiedRoleDefinition'."
	}
	q.expand, q.defSel = true, sel
	return q, "", ""
}

// listRoleInstances serves GET /roleManagement/directory/roleAssignmentScheduleInstances and
// /roleEligibilityScheduleInstances.
func (e *Emulator) listRoleInstances(kind roleInstanceKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []string) {
		q, code, msg := parseRoleQuery(r, kind)
		if msg != "" {
			writeError(w, r, http.StatusBadRequest, code, msg)
			return
		}
		all := []map[string]any{}
		e.mu.Lock()
		for _, ri := range e.st.roleInstances(kind) {
			if q.principal != "" && !strings.EqualFold(ri.user.id, q.principal) {
				continue
			}
			obj := ri.json(kind)
			if q.expand {
				obj["roleDefinition"], _ = selectProps(roleDefinitionJSON(ri.role), q.defSel)
			}
			all = append(all, obj)
		}
		e.mu.Unlock()
		writePage(w, r, baseURL(r)+"/$metadata#roleManagement/directory/"+kind.entitySet(), all, q.top, q.offset)
	}
}
