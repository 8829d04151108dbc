package graphemu

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// passAlphabet is the character set of generated pass values.
const passAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+%@#!&*"

// tapType is the @odata.type of a Temporary Access Pass method.
const tapType = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"

// newPass returns a random pass of n characters from passAlphabet (crypto/rand, unbiased).
func newPass(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	limit := 256 - 256%len(passAlphabet)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("graphemu: generate pass: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, passAlphabet[int(b)%len(passAlphabet)])
			}
		}
	}
	return string(out), nil
}

// tapJSON renders t; the pass value is included only when withPass is set.
func (e *Emulator) tapJSON(u *userRec, t *tapRec, withPass, withType bool) map[string]any {
	usable, reason := t.usability(e.st.policy, u, e.now())
	m := map[string]any{
		"id":                    t.id,
		"temporaryAccessPass":   nil,
		"createdDateTime":       fmtTime(t.created),
		"startDateTime":         fmtTime(t.start),
		"lifetimeInMinutes":     t.lifetime,
		"isUsableOnce":          t.usableOnce,
		"isUsable":              usable,
		"methodUsabilityReason": reason,
	}
	if withPass {
		m["temporaryAccessPass"] = t.pass
	}
	if withType {
		m["@odata.type"] = tapType
	}
	return m
}

// tapRequest is the parsed body of a TAP create request.
type tapRequest struct {
	start      *time.Time
	lifetime   *int
	usableOnce *bool
}

// parseTAPRequest reads the optional startDateTime, lifetimeInMinutes and isUsableOnce.
func parseTAPRequest(r *http.Request) (tapRequest, string) {
	var req tapRequest
	body, err := readObject(r)
	if err != nil {
		return req, msgBadPayload
	}
	for k, raw := range body {
		if string(bytes.TrimSpace(raw)) == "null" {
			continue
		}
		switch k {
		case "startDateTime":
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return req, "Invalid value for property 'startDateTime'."
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return req, "Cannot convert the literal '" + s + "' to the expected type 'Edm.DateTimeOffset'."
			}
			req.start = &t
		case "lifetimeInMinutes":
			var n int32
			if json.Unmarshal(raw, &n) != nil {
				return req, "Cannot convert the literal '" + string(raw) + "' to the expected type 'Edm.Int32'."
			}
			v := int(n)
			req.lifetime = &v
		case "isUsableOnce":
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return req, "Cannot convert the literal '" + string(raw) + "' to the expected type 'Edm.Boolean'."
			}
			req.usableOnce = &b
		case "@odata.type", "@odata.context", "id", "createdDateTime", "isUsable", "methodUsabilityReason", "temporaryAccessPass":
			// read-only or annotation properties are ignored, as the SDK sends @odata.type
		default:
			return req, "Invalid property '" + k + "'."
		}
	}
	return req, ""
}

// passRefusal is why a pass cannot be created: Graph's status, code and message.
type passRefusal struct {
	status        int
	code, message string
}

// issuePassLocked creates a pass for u as Graph does: checked against the tenant policy, replacing u's current
// pass, recorded in u's issued passes. e.mu must be held.
func (e *Emulator) issuePassLocked(u *userRec, req tapRequest) (*tapRec, *passRefusal) {
	pol := e.st.policy
	if pol.State != "enabled" || !pol.inScope(u) {
		return nil, &passRefusal{http.StatusBadRequest, codeTapBadRequest, msgConverged}
	}
	lifetime := pol.DefaultLifetimeInMinutes
	if req.lifetime != nil {
		lifetime = *req.lifetime
	}
	lo, hi := max(10, pol.MinimumLifetimeInMinutes), min(43200, pol.MaximumLifetimeInMinutes)
	if lifetime < lo || lifetime > hi {
		return nil, &passRefusal{http.StatusBadRequest, codeTapBadRequest, "Invalid LifetimeInMinutes specified. The valid range between " +
			strconv.Itoa(lo) + " and " + strconv.Itoa(hi) + "."}
	}
	once := pol.IsUsableOnce
	if req.usableOnce != nil {
		if pol.IsUsableOnce && !*req.usableOnce {
			return nil, &passRefusal{http.StatusBadRequest, codeTapBadRequest, "Invalid IsUsableOnce specified. " +
				"The Temporary Access Pass policy allows only one-time use passes (isUsableOnce must be true)."}
		}
		once = *req.usableOnce
	}
	pass, err := newPass(pol.DefaultLength)
	if err != nil {
		e.log.Error("graphemu: create TAP", "error", err)
		return nil, &passRefusal{http.StatusInternalServerError, "generalException", "Failed to generate the pass."}
	}
	now := e.now().UTC()
	t := &tapRec{id: newGUID(), pass: pass, created: now, start: now, lifetime: lifetime, usableOnce: once}
	if req.start != nil {
		t.start = req.start.UTC()
	}
	u.tap = t // at most one TAP per user: a new one replaces the old, valid or not
	u.issued = append(u.issued, pass)
	return t, nil
}

// createTAP serves POST /users/{user}/authentication/temporaryAccessPassMethods.
func (e *Emulator) createTAP(w http.ResponseWriter, r *http.Request, p []string) {
	req, msg := parseTAPRequest(r)
	u, unlock := e.lockUser(w, r, p[0])
	if u == nil {
		return
	}
	defer unlock()
	if msg != "" {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	t, refusal := e.issuePassLocked(u, req)
	if refusal != nil {
		writeError(w, r, refusal.status, refusal.code, refusal.message)
		return
	}
	e.auditMethodLocked(methodAudit{user: u, by: auditActor{app: callerApp(r)}, odataType: tapType, methodID: t.id,
		modified: passModified(t)}, t.created)
	body := e.tapJSON(u, t, true, true)
	body["@odata.context"] = baseURL(r) + "/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods/$entity"
	writeJSON(w, http.StatusCreated, body)
}

// listTAPs serves GET /users/{user}/authentication/temporaryAccessPassMethods.
func (e *Emulator) listTAPs(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	value := []map[string]any{}
	if u != nil && u.tap != nil {
		value = append(value, e.tapJSON(u, u.tap, false, false))
	}
	e.mu.Unlock()
	if u == nil {
		writeNotFound(w, r, p[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": baseURL(r) + "/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods",
		"value":          value,
	})
}

// getTAP serves GET /users/{user}/authentication/temporaryAccessPassMethods/{id}.
func (e *Emulator) getTAP(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	var body map[string]any
	if u != nil && u.tap != nil && strings.EqualFold(u.tap.id, p[1]) {
		body = e.tapJSON(u, u.tap, false, true)
		body["@odata.context"] = baseURL(r) + "/$metadata#users('" + u.id + "')/authentication/temporaryAccessPassMethods/$entity"
	}
	e.mu.Unlock()
	switch {
	case u == nil:
		writeNotFound(w, r, p[0])
	case body == nil:
		writeNotFound(w, r, p[1])
	default:
		writeJSON(w, http.StatusOK, body)
	}
}

// deleteTAP serves DELETE /users/{user}/authentication/temporaryAccessPassMethods/{id}.
func (e *Emulator) deleteTAP(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	found := u != nil && u.tap != nil && strings.EqualFold(u.tap.id, p[1])
	if found {
		e.auditMethodLocked(methodAudit{user: u, by: auditActor{app: callerApp(r)}, odataType: tapType,
			methodID: u.tap.id, deleted: true}, e.now().UTC())
		u.tap = nil
	}
	e.mu.Unlock()
	switch {
	case u == nil:
		writeNotFound(w, r, p[0])
	case !found:
		writeNotFound(w, r, p[1])
	default:
		writeNoContent(w, http.StatusNoContent)
	}
}

// policyJSON renders the TAP policy as Graph's authenticationMethodConfiguration.
func policyJSON(r *http.Request, p TAPPolicy) map[string]any {
	exclude := make([]map[string]any, 0, len(p.ExcludeTargets))
	for _, t := range p.ExcludeTargets {
		exclude = append(exclude, map[string]any{"targetType": t.TargetType, "id": t.ID})
	}
	include := append([]Target{}, p.IncludeTargets...)
	return map[string]any{
		"@odata.context":               baseURL(r) + "/$metadata#authenticationMethodConfigurations/$entity",
		"@odata.type":                  "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
		"id":                           "TemporaryAccessPass",
		"state":                        p.State,
		"defaultLifetimeInMinutes":     p.DefaultLifetimeInMinutes,
		"defaultLength":                p.DefaultLength,
		"minimumLifetimeInMinutes":     p.MinimumLifetimeInMinutes,
		"maximumLifetimeInMinutes":     p.MaximumLifetimeInMinutes,
		"isUsableOnce":                 p.IsUsableOnce,
		"includeTargets@odata.context": baseURL(r) + "/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('TemporaryAccessPass')/microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration/includeTargets",
		"includeTargets":               include,
		"excludeTargets":               exclude,
	}
}

// getPolicyConfig serves GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}.
func (e *Emulator) getPolicyConfig(w http.ResponseWriter, r *http.Request, p []string) {
	if !strings.EqualFold(p[0], "TemporaryAccessPass") {
		writeNotFound(w, r, p[0])
		return
	}
	e.mu.Lock()
	pol := clonePolicy(e.st.policy)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, policyJSON(r, pol))
}
