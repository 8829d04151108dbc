package graphemu

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// wellKnownRoleTemplates maps built-in Entra role names to their real roleTemplateId.
func wellKnownRoleTemplates() map[string]string {
	return map[string]string{
		"global administrator":                    "62e90394-69f5-4237-9190-012177145e10",
		"privileged authentication administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
		"authentication administrator":            "c4e39bd9-1100-46d3-8c65-fb160da0071f",
		"privileged role administrator":           "e8611ab8-c189-46e8-94e1-60213ab1f814",
		"user administrator":                      "fe930be7-5e62-47db-91af-98c3a49a38b1",
		"helpdesk administrator":                  "729827e3-9c14-49f7-bb1b-9608f156bbb8",
		"security administrator":                  "194ae4cb-b126-40b2-bd5b-6091b380977d",
		"global reader":                           "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
	}
}

// roleTemplateID returns the roleTemplateId of a role name: the real one of a well-known built-in role, a
// stable made-up one otherwise.
func roleTemplateID(name string) string {
	if tmpl, ok := wellKnownRoleTemplates()[strings.ToLower(name)]; ok {
		return tmpl
	}
	return stableGUID("roleTemplate:" + strings.ToLower(name))
}

// roleObject renders a directory role the user is a member of.
func roleObject(name string) map[string]any {
	return map[string]any{
		"@odata.type":     "#microsoft.graph.directoryRole",
		"id":              stableGUID("directoryRole:" + strings.ToLower(name)),
		"deletedDateTime": nil,
		"description":     nil,
		"displayName":     name,
		"roleTemplateId":  roleTemplateID(name),
	}
}

// groupObject renders a group the user is a member of.
func groupObject(id string) map[string]any {
	return map[string]any{
		"@odata.type":     "#microsoft.graph.group",
		"id":              id,
		"deletedDateTime": nil,
		"displayName":     id,
		"securityEnabled": true,
		"mailEnabled":     false,
	}
}

// pageParams reads $top (default 100, 1..999) and $skiptoken (an opaque offset).
func pageParams(r *http.Request) (top, offset int, msg string) {
	q := r.URL.Query()
	top = 100
	if raw := q.Get("$top"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 999 {
			return 0, 0, "Invalid page size specified: '" + raw + "'. Must be between 1 and 999 inclusive."
		}
		top = n
	}
	if raw := q.Get("$skiptoken"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || convErr != nil || !strings.HasPrefix(string(b), "offset:") || n < 0 {
			return 0, 0, "Invalid $skiptoken value."
		}
		offset = n
	}
	return top, offset, ""
}

// listMemberOf serves GET /users/{user}/memberOf.
func (e *Emulator) listMemberOf(w http.ResponseWriter, r *http.Request, p []string) {
	e.listMembership(w, r, p[0], false)
}

// listTransitiveMemberOf serves GET /users/{user}/transitiveMemberOf.
func (e *Emulator) listTransitiveMemberOf(w http.ResponseWriter, r *http.Request, p []string) {
	e.listMembership(w, r, p[0], true)
}

// listMembership pages through the directory objects ref is a member of.
func (e *Emulator) listMembership(w http.ResponseWriter, r *http.Request, ref string, transitive bool) {
	top, offset, msg := pageParams(r)
	if msg != "" {
		writeError(w, r, http.StatusBadRequest, codeRequestBadRequest, msg)
		return
	}
	e.mu.Lock()
	u := e.st.findUser(ref)
	var all []map[string]any
	if u != nil {
		all = e.st.memberOfObjects(u, transitive)
	}
	e.mu.Unlock()
	if u == nil {
		writeNotFound(w, r, ref)
		return
	}
	writePage(w, r, baseURL(r)+"/$metadata#directoryObjects", all, top, offset)
}

// memberOfObjects lists u's directory roles and groups. Transitively, it adds the active roles u holds
// through its groups (each role once), as Graph lists roles held through role-assignable groups.
func (s *state) memberOfObjects(u *userRec, transitive bool) []map[string]any {
	var all []map[string]any
	seen := map[string]bool{}
	addRole := func(name string) {
		if !seen[strings.ToLower(name)] {
			seen[strings.ToLower(name)] = true
			all = append(all, roleObject(name))
		}
	}
	for _, role := range u.roles {
		addRole(role)
	}
	if transitive {
		for _, g := range s.groupsOf(u) {
			for _, role := range g.roles {
				addRole(role)
			}
		}
	}
	for _, id := range u.groups {
		if g := s.findGroup(id); g != nil {
			all = append(all, g.object())
		} else {
			all = append(all, groupObject(id))
		}
	}
	return all
}
