package graphemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// patchUserCtl serves PATCH /_emulator/users/{id or upn}: any subset of the user fields POST takes, null
// clearing a nullable one; all or nothing. It answers the user as GET does.
func (e *Emulator) patchUserCtl(w http.ResponseWriter, r *http.Request, p []string) {
	body, err := readObject(r)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid user: the body must be a JSON object of user fields")
		return
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	next, msg := e.st.patchedUser(u, body)
	if msg != "" {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid user: "+msg)
		return
	}
	before := snapshotUser(u)
	*u = next
	e.st.trackChanges(u, before)
	e.st.trackGroups(e.now().UTC())
	writeJSON(w, http.StatusOK, e.userView(u))
}

// patchedUser returns a copy of u with body applied, or a message naming the first faulty field (in name
// order) without its value.
func (s *state) patchedUser(u *userRec, body map[string]json.RawMessage) (userRec, string) {
	next := *u
	patchers := userPatchers()
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch strings.ToLower(k) {
		case "id":
			return next, "id: cannot be changed"
		case "methods":
			return next, "methods: use POST and DELETE /_emulator/users/{id}/methods"
		}
		pt, ok := patchers[strings.ToLower(k)]
		if !ok {
			return next, "unknown field \"" + k + "\""
		}
		if err := pt.apply(&next, body[k]); err != nil {
			return next, pt.name + ": " + err.Error()
		}
	}
	if !strings.Contains(next.upn, "@") {
		return next, "userPrincipalName: must contain '@'"
	}
	for _, v := range s.users {
		if v != u && strings.EqualFold(v.upn, next.upn) {
			return next, "userPrincipalName: already in use by another user"
		}
	}
	return next, ""
}

// deleteUserCtl serves DELETE /_emulator/users/{id or upn}: the user leaves the directory and the users delta
// reports it removed, reason "changed" (a deletion deletedItems could undo, as Entra's is) or, with
// ?permanent=true, "deleted".
func (e *Emulator) deleteUserCtl(w http.ResponseWriter, r *http.Request, p []string) {
	reason, ok := removalReason(w, r)
	if !ok {
		return
	}
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	e.st.removeUser(u, reason, e.now().UTC())
	writeNoContent(w, http.StatusNoContent)
}

// userPatcher applies one field of a PATCH /_emulator/users/{id} body to a copy of a user. Its error says what
// the field must be and never repeats the value.
type userPatcher func(u *userRec, raw json.RawMessage) error

// errNotNull is the error of a null given for a field that cannot be cleared.
var errNotNull = errors.New("cannot be null")

// userPatchers maps each patchable field, lower-cased, to its canonical name and patcher. The fields are those
// of POST /_emulator/users; a nullable one is cleared by null.
func userPatchers() map[string]struct {
	name  string
	apply userPatcher
} {
	type entry = struct {
		name  string
		apply userPatcher
	}
	out := map[string]entry{}
	add := func(name string, apply userPatcher) { out[strings.ToLower(name)] = entry{name, apply} }
	add("userPrincipalName", patchString(false, func(u *userRec, s string) { u.upn = strings.TrimSpace(s) }))
	add("displayName", patchString(false, func(u *userRec, s string) { u.displayName = s }))
	add("mail", patchString(true, func(u *userRec, s string) { u.mail = s }))
	add("employeeId", patchString(true, func(u *userRec, s string) { u.employeeID = s }))
	add("managerId", patchString(true, func(u *userRec, s string) { u.managerRef = strings.TrimSpace(s) }))
	add("preferredLanguage", patchString(true, func(u *userRec, s string) { u.preferredLanguage = s }))
	add("department", patchString(true, func(u *userRec, s string) { u.department = s }))
	add("jobTitle", patchString(true, func(u *userRec, s string) { u.jobTitle = s }))
	add("userType", patchUserType)
	add("accountEnabled", patchBool(func(u *userRec, b bool) { u.accountEnabled = b }))
	add("employeeHireDate", patchTime(func(u *userRec, t time.Time) { u.hireDate = t }))
	add("employeeLeaveDateTime", patchTime(func(u *userRec, t time.Time) { u.leaveDate = t }))
	add("directoryRoles", patchRoles(func(u *userRec, v []string) { u.roles = v }))
	add("eligibleRoles", patchRoles(func(u *userRec, v []string) { u.eligibleRoles = v }))
	add("groups", patchRoles(func(u *userRec, v []string) { u.groups = v }))
	add("scopedRoles", patchScopedRoles)
	add("onPremisesExtensionAttributes", patchExtAttrs)
	return out
}

// isNull reports whether raw is JSON null.
func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// patchString sets a string field; null clears it when nullable.
func patchString(nullable bool, set func(*userRec, string)) userPatcher {
	return func(u *userRec, raw json.RawMessage) error {
		if isNull(raw) {
			if !nullable {
				return errNotNull
			}
			set(u, "")
			return nil
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return errors.New("must be a string")
		}
		set(u, s)
		return nil
	}
}

// patchBool sets a boolean field, which cannot be null.
func patchBool(set func(*userRec, bool)) userPatcher {
	return func(u *userRec, raw json.RawMessage) error {
		var b bool
		if isNull(raw) || json.Unmarshal(raw, &b) != nil {
			return errors.New("must be true or false")
		}
		set(u, b)
		return nil
	}
}

// patchTime sets a DateTimeOffset field; null clears it.
func patchTime(set func(*userRec, time.Time)) userPatcher {
	return func(u *userRec, raw json.RawMessage) error {
		if isNull(raw) {
			set(u, time.Time{})
			return nil
		}
		var s string
		err := json.Unmarshal(raw, &s)
		t, perr := parseDateTimeOffset("", s)
		if err != nil || perr != nil || t.IsZero() {
			return errors.New("must be a DateTimeOffset such as 2026-12-07T09:00:00Z, or null")
		}
		set(u, t)
		return nil
	}
}

// patchUserType sets userType, "Member" or "Guest" in any case.
func patchUserType(u *userRec, raw json.RawMessage) error {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return errors.New(`must be "Member" or "Guest"`)
	}
	switch {
	case strings.EqualFold(s, "Member"):
		u.userType = "Member"
	case strings.EqualFold(s, "Guest"):
		u.userType = "Guest"
	default:
		return errors.New(`must be "Member" or "Guest"`)
	}
	return nil
}

// patchRoles replaces a list of names (roles or group ids); null empties it.
func patchRoles(set func(*userRec, []string)) userPatcher {
	return func(u *userRec, raw json.RawMessage) error {
		var v []string
		if !isNull(raw) && json.Unmarshal(raw, &v) != nil {
			return errors.New("must be an array of strings, or null")
		}
		for _, s := range v {
			if strings.TrimSpace(s) == "" {
				return errors.New("must not contain an empty name")
			}
		}
		set(u, append([]string{}, v...))
		return nil
	}
}

// patchScopedRoles replaces the roles scoped to administrative units; null empties them.
func patchScopedRoles(u *userRec, raw json.RawMessage) error {
	var v []ScopedRole
	if !isNull(raw) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if dec.Decode(&v) != nil {
			return errors.New(`must be an array of {"role":…,"administrativeUnitId":…}, or null`)
		}
	}
	for _, sr := range v {
		if strings.TrimSpace(sr.Role) == "" || strings.TrimSpace(sr.AdministrativeUnitID) == "" {
			return errors.New("every entry needs a role and an administrativeUnitId")
		}
	}
	u.scopedRoles = append([]ScopedRole{}, v...)
	return nil
}

// patchExtAttrs merges onPremisesExtensionAttributes: each named key is set, or cleared by null; null as a
// whole clears all fifteen.
func patchExtAttrs(u *userRec, raw json.RawMessage) error {
	if isNull(raw) {
		u.extAttrs = [extAttrCount]string{}
		return nil
	}
	var m map[string]*string
	if json.Unmarshal(raw, &m) != nil {
		return errors.New("must be an object of extensionAttribute1 to extensionAttribute15, each a string or null")
	}
	for k, v := range m {
		n, ok := extAttrIndex(k)
		if !ok {
			return errors.New("takes only the keys extensionAttribute1 to extensionAttribute15")
		}
		u.extAttrs[n-1] = ""
		if v != nil {
			u.extAttrs[n-1] = *v
		}
	}
	return nil
}

// removalReason reads a control DELETE's ?permanent: the reason the delta query reports, "changed" (a deletion
// deletedItems could undo, as Entra's is) or, with permanent=true, "deleted". false: answered 400.
func removalReason(w http.ResponseWriter, r *http.Request) (string, bool) {
	switch r.URL.Query().Get("permanent") {
	case "", "false":
		return removedChanged, true
	case "true":
		return removedDeleted, true
	}
	writeError(w, r, http.StatusBadRequest, codeBadRequest, "permanent must be true or false")
	return "", false
}
