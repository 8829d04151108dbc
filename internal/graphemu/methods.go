package graphemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// passwordMethodID is the tenant-wide constant id of the password method.
const passwordMethodID = "28c10230-6103-485e-b985-444c60001490"

// checkMethodType validates the @odata.type of a method registered through the control API or a seed.
func checkMethodType(m map[string]any) error {
	t, _ := m["@odata.type"].(string)
	switch {
	case t == "":
		return errors.New("@odata.type is required")
	case !strings.HasPrefix(t, "#microsoft.graph.") || !strings.HasSuffix(t, "AuthenticationMethod"):
		return fmt.Errorf("@odata.type %q must start with \"#microsoft.graph.\" and end with \"AuthenticationMethod\"", t)
	case strings.EqualFold(t, tapType):
		return errors.New("@odata.type: a Temporary Access Pass is created through the Graph temporaryAccessPassMethods path")
	case strings.EqualFold(t, "#microsoft.graph.passwordAuthenticationMethod"):
		return errors.New("@odata.type: every user already has the password method")
	}
	return nil
}

// normalizeMethod validates m and returns a deep copy with an id and a createdDateTime.
// A method that carries the docs' alternative "creationDateTime" keeps it as is.
func normalizeMethod(m map[string]any, now time.Time) (map[string]any, error) {
	if err := checkMethodType(m); err != nil {
		return nil, err
	}
	out, err := cloneMap(m)
	if err != nil {
		return nil, err
	}
	if id, _ := out["id"].(string); id == "" {
		out["id"] = newGUID()
	}
	_, hasCreated := out["createdDateTime"]
	_, hasCreation := out["creationDateTime"]
	if !hasCreated && !hasCreation {
		out["createdDateTime"] = fmtTime(now)
	}
	return out, nil
}

// cloneMap deep-copies a JSON object.
func cloneMap(m map[string]any) (map[string]any, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("method is not valid JSON: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("method is not valid JSON: %w", err)
	}
	return out, nil
}

// cloneMethods deep-copies a user's methods (they were JSON-clean when stored).
func cloneMethods(ms []map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		c, err := cloneMap(m)
		if err == nil {
			out = append(out, c)
		}
	}
	return out
}

// listMethods serves GET /users/{user}/authentication/methods.
func (e *Emulator) listMethods(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	var value []map[string]any
	if u != nil {
		value = append(value, map[string]any{
			"@odata.type":     "#microsoft.graph.passwordAuthenticationMethod",
			"id":              passwordMethodID,
			"password":        nil,
			"createdDateTime": fmtTime(u.createdAt),
		})
		value = append(value, cloneMethods(u.methods)...)
		if u.tap != nil {
			value = append(value, e.tapJSON(u, u.tap, false, true))
		}
	}
	e.mu.Unlock()
	if u == nil {
		writeNotFound(w, r, p[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": baseURL(r) + "/$metadata#users('" + u.id + "')/authentication/methods",
		"value":          value,
	})
}
