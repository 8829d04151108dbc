package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// defaultUserProps are the properties Graph returns for a user without $select.
func defaultUserProps() []string {
	return []string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail",
		"mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}
}

// userProp returns the canonical name and value of a user property, or ok=false if unknown.
func userProp(u *userRec, name string) (string, any, bool) {
	switch strings.ToLower(name) {
	case "id":
		return "id", u.id, true
	case "displayname":
		return "displayName", u.displayName, true
	case "userprincipalname":
		return "userPrincipalName", u.upn, true
	case "mail":
		return "mail", nullable(u.mail), true
	case "preferredlanguage":
		return "preferredLanguage", nullable(u.preferredLanguage), true
	case "accountenabled":
		return "accountEnabled", u.accountEnabled, true
	case "employeeid":
		return "employeeId", nullable(u.employeeID), true
	case "businessphones":
		return "businessPhones", []string{}, true
	case "usertype":
		return "userType", u.userType, true
	case "onpremisesextensionattributes":
		return "onPremisesExtensionAttributes", extAttrsJSON(u.extAttrs), true
	case "department":
		return "department", nullable(u.department), true
	case "jobtitle":
		return "jobTitle", nullable(u.jobTitle), true
	case "employeehiredate":
		return "employeeHireDate", nullableTime(u.hireDate), true
	case "employeeleavedatetime":
		return "employeeLeaveDateTime", nullableTime(u.leaveDate), true
	}
	if canon, ok := nullUserProps()[strings.ToLower(name)]; ok {
		return canon, nil, true
	}
	return "", nil, false
}

// nullUserProps are selectable user properties the emulator does not model (always null),
// keyed by their lower-case name.
func nullUserProps() map[string]string {
	return map[string]string{"givenname": "givenName", "surname": "surname",
		"mobilephone": "mobilePhone", "officelocation": "officeLocation",
		"employeetype": "employeeType", "companyname": "companyName", "usagelocation": "usageLocation"}
}

// nullable returns nil for an empty string so that it is written as JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseSelect returns the $select list of r (nil when absent).
func parseSelect(r *http.Request) []string {
	raw := r.URL.Query().Get("$select")
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(raw, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// userJSON renders u with the selected properties (default set when selected is nil).
func userJSON(u *userRec, selected []string) (map[string]any, string, bool) {
	props := selected
	if props == nil {
		props = defaultUserProps()
	}
	out := map[string]any{}
	for _, p := range props {
		name, v, ok := userProp(u, p)
		if !ok {
			return nil, p, false
		}
		out[name] = v
	}
	return out, "", true
}

// writeUnknownProperty answers a $select naming an unknown property.
func writeUnknownProperty(w http.ResponseWriter, r *http.Request, p string) {
	writeError(w, r, http.StatusBadRequest, codeRequestBadRequest,
		"Could not find a property named '"+p+"' on type 'microsoft.graph.user'.")
}

// getUser serves GET /users/{user}.
func (e *Emulator) getUser(w http.ResponseWriter, r *http.Request, p []string) {
	sel := parseSelect(r)
	x, badNav := parseExpand(r)
	if badNav != "" {
		writeUnknownNavigation(w, r, badNav)
		return
	}
	e.mu.Lock()
	u := e.st.findUser(p[0])
	var body map[string]any
	bad, ok := "", false
	if u != nil {
		if body, bad, ok = userJSON(u, sel); ok {
			bad, ok = e.expandManager(body, u, x)
		}
	}
	e.mu.Unlock()
	switch {
	case u == nil:
		writeNotFound(w, r, p[0])
	case !ok:
		writeUnknownProperty(w, r, bad)
	default:
		ctx := baseURL(r) + "/$metadata#users/$entity"
		if sel != nil {
			ctx = baseURL(r) + "/$metadata#users(" + strings.Join(sel, ",") + ")/$entity"
		}
		body["@odata.context"] = ctx
		writeJSON(w, http.StatusOK, body)
	}
}

// getManager serves GET /users/{user}/manager: a user or an organizational contact.
func (e *Emulator) getManager(w http.ResponseWriter, r *http.Request, p []string) {
	sel := parseSelect(r)
	e.mu.Lock()
	u := e.st.findUser(p[0])
	var body map[string]any
	found, bad := false, ""
	if u != nil {
		body, found, bad = e.st.managerJSON(u, sel)
	}
	e.mu.Unlock()
	switch {
	case u == nil:
		writeNotFound(w, r, p[0])
	case !found:
		writeNotFound(w, r, "manager")
	case bad != "":
		writeUnknownProperty(w, r, bad)
	default:
		body["@odata.context"] = baseURL(r) + "/$metadata#directoryObjects/$entity"
		writeJSON(w, http.StatusOK, body)
	}
}

// readObject reads a JSON object body; an empty body or null counts as {}.
func readObject(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(b)) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	return out, nil
}

// patchUser serves PATCH /users/{user}.
func (e *Emulator) patchUser(w http.ResponseWriter, r *http.Request, p []string) {
	body, err := readObject(r)
	if err != nil {
		writeBadPayload(w, r)
		return
	}
	var enabled *bool
	strs := map[string]*string{}
	for k, raw := range body {
		switch k {
		case "accountEnabled":
			var b bool
			if json.Unmarshal(raw, &b) != nil || string(bytes.TrimSpace(raw)) == "null" {
				writeError(w, r, http.StatusBadRequest, codeBadRequest,
					"Cannot convert the literal '"+string(raw)+"' to the expected type 'Edm.Boolean'.")
				return
			}
			enabled = &b
		case "displayName", "employeeId", "preferredLanguage", "mail":
			var s *string
			if json.Unmarshal(raw, &s) != nil {
				writeError(w, r, http.StatusBadRequest, codeBadRequest,
					"Cannot convert the literal '"+string(raw)+"' to the expected type 'Edm.String'.")
				return
			}
			strs[k] = s
		case "id", "@odata.type", "@odata.context":
		default:
			writeError(w, r, http.StatusBadRequest, codeRequestBadRequest, "Invalid property '"+k+"'.")
			return
		}
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	before := snapshotUser(u)
	if enabled != nil {
		u.accountEnabled = *enabled
	}
	for k, s := range strs {
		v := ""
		if s != nil {
			v = *s
		}
		switch k {
		case "displayName":
			u.displayName = v
		case "employeeId":
			u.employeeID = v
		case "preferredLanguage":
			u.preferredLanguage = v
		case "mail":
			u.mail = v
		}
	}
	e.st.trackChanges(u, before)
	writeNoContent(w, http.StatusNoContent)
}

// revokeSessions serves POST /users/{user}/revokeSignInSessions.
func (e *Emulator) revokeSessions(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	if u != nil {
		t := e.now().UTC()
		u.revokedAt = &t
	}
	e.mu.Unlock()
	if u == nil {
		writeNotFound(w, r, p[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": baseURL(r) + "/$metadata#Edm.Boolean",
		"value":          true,
	})
}
