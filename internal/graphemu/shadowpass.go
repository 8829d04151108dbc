package graphemu

import (
	"net/http"
	"slices"
	"time"
)

// adminRoles are the roles that may create a pass in the portal, most specific first: who a shadow pass is
// attributed to when the request names nobody.
func adminRoles() []string {
	return []string{"Authentication Administrator", "Privileged Authentication Administrator", "Global Administrator"}
}

// shadowPassRequest is the optional body of POST /_emulator/users/{id}/tap.
type shadowPassRequest struct {
	By                string     `json:"by"` // the administrator's id or userPrincipalName
	IPAddress         string     `json:"ipAddress"`
	LifetimeInMinutes *int       `json:"lifetimeInMinutes"`
	IsUsableOnce      *bool      `json:"isUsableOnce"`
	StartDateTime     *time.Time `json:"startDateTime"`
}

// adminLocked returns the administrator ref names or, when ref is empty, the first user holding one of
// adminRoles; msg says why there is none. e.mu must be held.
func (e *Emulator) adminLocked(ref string) (*userRec, string) {
	if ref != "" {
		if a := e.st.findUser(ref); a != nil {
			return a, ""
		}
		return nil, "by: no user has this id or userPrincipalName"
	}
	for _, role := range adminRoles() {
		for _, u := range e.st.users {
			if slices.Contains(u.roles, role) {
				return u, ""
			}
		}
	}
	return nil, "by: name the administrator; no user holds an authentication administrator role"
}

// shadowPassCtl serves POST /_emulator/users/{id}/tap: an administrator creates a pass in the portal, outside
// tapflow. The pass follows the tenant policy and is recorded in issuedPasses as a Graph-created one is, and
// the audit log names the administrator, not an app. The answer is the pass, with its value, as Graph's.
func (e *Emulator) shadowPassCtl(w http.ResponseWriter, r *http.Request, p []string) {
	var body shadowPassRequest
	if err := decodeOptional(r, &body); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	admin, msg := e.adminLocked(body.By)
	if admin == nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	req := tapRequest{start: body.StartDateTime, lifetime: body.LifetimeInMinutes, usableOnce: body.IsUsableOnce}
	t, refusal := e.issuePassLocked(u, req)
	if refusal != nil {
		writeError(w, r, refusal.status, refusal.code, refusal.message)
		return
	}
	e.auditMethodLocked(methodAudit{user: u, by: auditActor{user: admin, ip: body.IPAddress}, odataType: tapType,
		methodID: t.id, modified: passModified(t)}, t.created)
	writeJSON(w, http.StatusCreated, e.tapJSON(u, t, true, true))
}
