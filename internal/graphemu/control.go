package graphemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// controlRoutes lists the control API paths (relative to /_emulator).
func (e *Emulator) controlRoutes() []route {
	return []route{
		newRoute("users", map[string]handlerFunc{http.MethodGet: e.listUsersCtl, http.MethodPost: e.addUserCtl}),
		newRoute("users/*", map[string]handlerFunc{http.MethodGet: e.getUserCtl, http.MethodPatch: e.patchUserCtl,
			http.MethodDelete: e.deleteUserCtl}),
		newRoute("users/*/methods", map[string]handlerFunc{http.MethodPost: e.addMethodCtl}),
		newRoute("users/*/methods/*", map[string]handlerFunc{http.MethodDelete: e.deleteMethodCtl}),
		newRoute("users/*/tap/verify", map[string]handlerFunc{http.MethodPost: e.verifyTAPCtl}),
		newRoute("users/*/tap", map[string]handlerFunc{http.MethodPost: e.shadowPassCtl}),
		newRoute("users/*/signin", map[string]handlerFunc{http.MethodPost: e.signInCtl}),
		newRoute("logs", map[string]handlerFunc{http.MethodGet: e.getLogsCtl, http.MethodPut: e.putLogsCtl}),
		newRoute("logs/entries", map[string]handlerFunc{http.MethodGet: e.getLogEntriesCtl, http.MethodDelete: e.deleteLogEntriesCtl}),
		newRoute("policy", map[string]handlerFunc{http.MethodGet: e.getPolicyCtl, http.MethodPut: e.putPolicyCtl}),
		newRoute("mail", map[string]handlerFunc{http.MethodGet: e.getMail, http.MethodDelete: e.deleteMail}),
		newRoute("outbox", map[string]handlerFunc{http.MethodGet: e.getOutbox, http.MethodDelete: e.deleteOutbox}),
		newRoute("webhook", map[string]handlerFunc{http.MethodGet: e.getWebhook, http.MethodPut: e.putWebhook,
			http.MethodPost: e.postWebhook, http.MethodDelete: e.deleteWebhook}),
		newRoute("requests", map[string]handlerFunc{http.MethodGet: e.getRequestsCtl, http.MethodDelete: e.clearRequestsCtl}),
		newRoute("faults", map[string]handlerFunc{
			http.MethodGet: e.listFaults, http.MethodPost: e.addFault, http.MethodDelete: e.clearFaults}),
		newRoute("groups", map[string]handlerFunc{http.MethodGet: e.listGroupsCtl, http.MethodPost: e.addGroupCtl}),
		newRoute("groups/*", map[string]handlerFunc{http.MethodDelete: e.deleteGroupCtl}),
		newRoute("groups/*/members", map[string]handlerFunc{http.MethodPost: e.addMemberCtl}),
		newRoute("groups/*/members/*", map[string]handlerFunc{http.MethodDelete: e.removeMemberCtl}),
		newRoute("contacts", map[string]handlerFunc{http.MethodGet: e.listContactsCtl, http.MethodPost: e.addContactCtl}),
		newRoute("domains", map[string]handlerFunc{http.MethodGet: e.getDomainsCtl, http.MethodPut: e.putDomainsCtl}),
		newRoute("permissions", map[string]handlerFunc{http.MethodGet: e.getPermissionsCtl, http.MethodPut: e.putPermissionsCtl}),
		newRoute("reset", map[string]handlerFunc{http.MethodPost: e.resetCtl}),
	}
}

// userView renders u as the control API shows it, including every pass ever issued.
func (e *Emulator) userView(u *userRec) map[string]any {
	manager := u.managerRef
	if m := e.st.managerOf(u); m != nil {
		manager = m.id
	} else if c := e.st.contactManagerOf(u); c != nil {
		manager = c.id
	}
	var tap, revoked any
	if u.tap != nil {
		t := e.tapJSON(u, u.tap, false, false)
		delete(t, "temporaryAccessPass")
		tap = t
	}
	if u.revokedAt != nil {
		revoked = fmtTime(*u.revokedAt)
	}
	return map[string]any{
		"id": u.id, "userPrincipalName": u.upn, "displayName": u.displayName, "mail": nullable(u.mail),
		"employeeId": u.employeeID, "managerId": nullable(manager), "preferredLanguage": u.preferredLanguage,
		"accountEnabled": u.accountEnabled, "userType": u.userType, "directoryRoles": append([]string{}, u.roles...),
		"eligibleRoles": append([]string{}, u.eligibleRoles...), "scopedRoles": append([]ScopedRole{}, u.scopedRoles...),
		"onPremisesExtensionAttributes": extAttrsView(u.extAttrs), "groups": append([]string{}, u.groups...),
		"methods": cloneMethods(u.methods), "temporaryAccessPass": tap, "issuedPasses": append([]string{}, u.issued...),
		"sessionsRevokedAt": revoked, "createdDateTime": fmtTime(u.createdAt),
		"department": nullable(u.department), "jobTitle": nullable(u.jobTitle),
		"employeeHireDate": nullableTime(u.hireDate), "employeeLeaveDateTime": nullableTime(u.leaveDate),
	}
}

// listUsersCtl serves GET /_emulator/users.
func (e *Emulator) listUsersCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := make([]map[string]any, 0, len(e.st.users))
	for _, u := range e.st.users {
		out = append(out, e.userView(u))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getUserCtl serves GET /_emulator/users/{id or upn}.
func (e *Emulator) getUserCtl(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	var view map[string]any
	if u := e.st.findUser(p[0]); u != nil {
		view = e.userView(u)
	}
	e.mu.Unlock()
	if view == nil {
		writeNotFound(w, r, p[0])
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// addUserCtl serves POST /_emulator/users.
func (e *Emulator) addUserCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var su SeedUser
	if err := strictDecode(r, &su); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid user: "+err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.st.addUser(su, e.now().UTC())
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, e.userView(u))
}

// addMethodCtl serves POST /_emulator/users/{id}/methods.
func (e *Emulator) addMethodCtl(w http.ResponseWriter, r *http.Request, p []string) {
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m == nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "the body must be a JSON object with an @odata.type")
		return
	}
	nm, err := normalizeMethod(m, e.now())
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	if slices.ContainsFunc(u.methods, func(x map[string]any) bool { return x["id"] == nm["id"] }) {
		writeError(w, r, http.StatusConflict, codeBadRequest, "id: a method with this id is already registered")
		return
	}
	u.methods = append(u.methods, nm)
	e.auditMethodLocked(methodAudit{user: u, by: auditActor{user: u}, odataType: nm["@odata.type"].(string),
		methodID: nm["id"].(string)}, e.now().UTC())
	writeJSON(w, http.StatusCreated, nm)
}

// deleteMethodCtl serves DELETE /_emulator/users/{id}/methods/{methodId}.
func (e *Emulator) deleteMethodCtl(w http.ResponseWriter, r *http.Request, p []string) {
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	i := slices.IndexFunc(u.methods, func(x map[string]any) bool { id, _ := x["id"].(string); return strings.EqualFold(id, p[1]) })
	if i < 0 {
		writeNotFound(w, r, p[1])
		return
	}
	odataType, _ := u.methods[i]["@odata.type"].(string)
	methodID, _ := u.methods[i]["id"].(string)
	u.methods = slices.Delete(u.methods, i, i+1)
	e.auditMethodLocked(methodAudit{user: u, by: auditActor{user: u}, odataType: odataType, methodID: methodID,
		deleted: true}, e.now().UTC())
	writeNoContent(w, http.StatusNoContent)
}

// verifyTAPCtl serves POST /_emulator/users/{id}/tap/verify: a sign-in attempt with a pass.
func (e *Emulator) verifyTAPCtl(w http.ResponseWriter, r *http.Request, p []string) {
	var body struct {
		Pass string `json:"pass"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid body: "+err.Error())
		return
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	valid, usable, reason := e.tryPassLocked(u, body.Pass)
	writeJSON(w, http.StatusOK, map[string]any{"valid": valid, "usable": usable, "reason": reason})
}

// getPolicyCtl serves GET /_emulator/policy.
func (e *Emulator) getPolicyCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	pol := clonePolicy(e.st.policy)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, pol)
}

// putPolicyCtl serves PUT /_emulator/policy.
func (e *Emulator) putPolicyCtl(w http.ResponseWriter, r *http.Request, _ []string) {
	var pol TAPPolicy
	if err := strictDecode(r, &pol); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid policy: "+err.Error())
		return
	}
	if err := validatePolicy(&pol); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	e.mu.Lock()
	e.st.policy = clonePolicy(pol)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, pol)
}

// getRequestsCtl serves GET /_emulator/requests.
func (e *Emulator) getRequestsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := make([]requestRecord, 0, len(e.st.requests))
	for _, rec := range e.st.requests {
		out = append(out, *rec)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// clearRequestsCtl serves DELETE /_emulator/requests.
func (e *Emulator) clearRequestsCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.requests = nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

// resetCtl serves POST /_emulator/reset: back to the seed, with empty mail, outbox, requests and faults, and no
// webhook secret.
func (e *Emulator) resetCtl(w http.ResponseWriter, _ *http.Request, _ []string) {
	st := e.buildState()
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

// IssuedPasses returns every pass value ever issued to the user named by id or
// userPrincipalName (nil when the user does not exist).
func (e *Emulator) IssuedPasses(userRef string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.st.findUser(userRef)
	if u == nil {
		return nil
	}
	return append([]string{}, u.issued...)
}

// strictDecode reads a control-API body, refusing unknown fields so a typo (managerID) is an error, not a no-op.
func strictDecode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
