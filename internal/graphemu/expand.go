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
	name, opts, nested := strings.Cut(raw, "(")
	if strings.TrimSpace(name) != "manager" {
		return x, strings.TrimSpace(name)
	}
	x.manager = true
	if !nested {
		return x, ""
	}
	opts = strings.TrimSuffix(strings.TrimSpace(opts), ")")
	key, list, ok := strings.Cut(opts, "=")
	if !ok || strings.TrimSpace(key) != "$select" {
		return x, raw
	}
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			x.sel = append(x.sel, f)
		}
	}
	return x, ""
}

// expandManager adds the manager to a user's body, as Graph does: omitted when the user has none. Call it with
// e.mu held.
func (e *Emulator) expandManager(body map[string]any, u *userRec, x userExpand) (bad string, ok bool) {
	if !x.manager {
		return "", true
	}
	m := e.st.managerOf(u)
	if m == nil {
		return "", true
	}
	mb, bad, ok := userJSON(m, x.sel)
	if !ok {
		return bad, false
	}
	mb["@odata.type"] = "#microsoft.graph.user"
	body["manager"] = mb
	return "", true
}

// writeUnknownNavigation answers an $expand naming something the emulator does not model.
func writeUnknownNavigation(w http.ResponseWriter, r *http.Request, name string) {
	writeError(w, r, http.StatusBadRequest, codeRequestBadRequest,
		"Could not find a navigation property named '"+name+"' on type 'microsoft.graph.user'.")
}
