package graphemu

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tapflow/tapflow/internal/graphperm"
)

// permissionsView is the body of GET and PUT /_emulator/permissions: the application permissions the app
// holds. Every permission tapflow's calls accept is granted until a PUT narrows the list.
type permissionsView struct {
	Granted []string `json:"granted"`
}

// refuseWithoutPermission answers 403 Authorization_RequestDenied, as Graph does, when the call needs a
// permission the app was not granted. It reports whether it answered.
func (e *Emulator) refuseWithoutPermission(w http.ResponseWriter, r *http.Request, segs []string) bool {
	call, ok := graphperm.Lookup(r.Method, permissionSegments(segs))
	if !ok {
		return false
	}
	e.mu.Lock()
	granted := e.grantedLocked()
	e.mu.Unlock()
	if call.Allows(granted) {
		return false
	}
	writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	return true
}

// permissionSegments spells a path's last segment as the permission table does when it names the delta
// function: "delta" for delta(), microsoft.graph.delta and microsoft.graph.delta(), so that one row of the
// table (groups/delta) covers every spelling. users/delta, whatever its spelling, matches users/*.
func permissionSegments(segs []string) []string {
	if n := len(segs); n > 1 && slices.ContainsFunc(deltaFunctionNames(), func(f string) bool { return strings.EqualFold(f, segs[n-1]) }) {
		return append(slices.Clone(segs[:n-1]), "delta")
	}
	return segs
}

// grantedLocked lists the granted permissions; e.mu must be held.
func (e *Emulator) grantedLocked() []string {
	var out []string
	for _, p := range graphperm.All() {
		if !e.st.denied[strings.ToLower(p)] {
			out = append(out, p)
		}
	}
	return out
}

// getPermissionsCtl serves GET /_emulator/permissions.
func (e *Emulator) getPermissionsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	v := permissionsView{Granted: e.grantedLocked()}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// putPermissionsCtl serves PUT /_emulator/permissions: grant exactly the listed permissions.
func (e *Emulator) putPermissionsCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var v permissionsView
	if err := strictDecode(r, &v); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid permissions: "+err.Error())
		return
	}
	all := graphperm.All()
	for _, p := range v.Granted {
		if !slices.ContainsFunc(all, func(a string) bool { return strings.EqualFold(a, p) }) {
			writeError(w, r, http.StatusBadRequest, codeBadRequest, "unknown permission '"+p+"': use one of "+strings.Join(all, ", "))
			return
		}
	}
	denied := map[string]bool{}
	for _, p := range all {
		if !slices.ContainsFunc(v.Granted, func(g string) bool { return strings.EqualFold(g, p) }) {
			denied[strings.ToLower(p)] = true
		}
	}
	e.mu.Lock()
	e.st.denied = denied
	v.Granted = e.grantedLocked()
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}
