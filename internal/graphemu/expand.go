package graphemu

import (
	"net/http"
	"strings"
)

// userExpand is the $expand of a user GET. The emulator knows one navigation property, manager, with an
// optional nested $select: $expand=manager or $expand=manager($select=id,mail).
type userExpand struct {
	manager bool
	sel     []string // the manager's $select; nil: the default properties
}

// parseExpand reads $expand; bad names what Graph would refuse.
func parseExpand(r *http.Request) (x userExpand, bad string) {
	raw := strings.TrimSpace(r.URL.Query().Get("$expand"))
	if raw == "" {
		return x, ""
	}
	name, sel, ok := splitExpand(raw)
	if name != "manager" {
		return x, name
	}
	if !ok {
		return x, raw
	}
	x.manager, x.sel = true, sel
	return x, ""
}

// splitExpand splits one $expand item, name or name($select=a,b), into the navigation property's name and
// the nested $select (nil when absent); ok is false for a nested option other than $select.
func splitExpand(raw string) (name string, sel []string, ok bool) {
	name, opts, nested := strings.Cut(raw, "(")
	name = strings.TrimSpace(name)
	if !nested {
		return name, nil, true
	}
	opts = strings.TrimSuffix(strings.TrimSpace(opts), ")")
	key, list, found := strings.Cut(opts, "=")
	if !found || strings.TrimSpace(key) != "$select" {
		return name, nil, false
	}
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			sel = append(sel, f)
		}
	}
	return name, sel, true
}

// expandManager adds the manager (a user or an organizational contact) to a user's body, as Graph does:
// omitted when the user has none. Call it with e.mu held.
func (e *Emulator) expandManager(body map[string]any, u *userRec, x userExpand) (bad string, ok bool) {
	if !x.manager {
		return "", true
	}
	mb, found, bad := e.st.managerJSON(u, x.sel)
	if bad != "" {
		return bad, false
	}
	if found {
		body["manager"] = mb
	}
	return "", true
}

// writeUnknownNavigation answers an $expand naming something the emulator does not model.
func writeUnknownNavigation(w http.ResponseWriter, r *http.Request, name string) {
	writeError(w, r, http.StatusBadRequest, codeRequestBadRequest,
		"Could not find a navigation property named '"+name+"' on type 'microsoft.graph.user'.")
}
