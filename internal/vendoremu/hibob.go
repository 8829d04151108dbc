package vendoremu

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// hibobTimeLayout is the layout of Bob's triggeredAt (no zone; UTC).
const hibobTimeLayout = "2006-01-02T15:04:05.000000"

// hibobStaleBy backdates a stale forged delivery's triggeredAt past hrvendor's default MaxEventAge (4 days).
const hibobStaleBy = 10 * 24 * time.Hour

// HiBobOptions configures a HiBob emulator.
type HiBobOptions struct {
	ServiceUserID string           // the API service user's id; default "SERVICE-USER-EMULATOR"
	Token         string           // its token; default "emulator-token"
	CompanyID     int64            // companyId of payloads; default 636192
	HTTPClient    *http.Client     // sends webhooks; nil = 10 s timeout, no redirects
	Logger        *slog.Logger     // nil = discard
	Now           func() time.Time // nil = time.Now
}

type hibobFlavour struct{ o HiBobOptions }

// NewHiBob returns a HiBob emulator. Its API is served at the root, so the adapter's BaseURL is the server's URL.
// Employee fields are set by Bob field id (work.startDate, root.email, home.mobilePhone ...).
func NewHiBob(opts HiBobOptions) *Emulator {
	if opts.ServiceUserID == "" {
		opts.ServiceUserID = "SERVICE-USER-EMULATOR"
	}
	if opts.Token == "" {
		opts.Token = "emulator-token"
	}
	if opts.CompanyID == 0 {
		opts.CompanyID = 636192
	}
	return newEmulator(&hibobFlavour{o: opts}, common{HTTPClient: opts.HTTPClient, Logger: opts.Logger, Now: opts.Now})
}

func (f *hibobFlavour) vendor() string { return "hibob" }

func (f *hibobFlavour) newID(seq int) string {
	return strconv.FormatInt(3332883854254932000+int64(seq), 10)
}

// defaultDelays: the published (partner) schedule, retries 1, 10, 20, 40, 80 and 160 minutes after a failure.
func (f *hibobFlavour) defaultDelays() []time.Duration {
	return []time.Duration{time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute, 160 * time.Minute}
}

// retryable: Bob retries any error answer.
func (f *hibobFlavour) retryable(int) bool { return true }

func (f *hibobFlavour) events(c change) []string {
	switch c.kind {
	case KindCreated:
		return []string{"employee.created"}
	case KindDeleted:
		return []string{"employee.deleted"}
	case KindTerminated:
		if len(c.changed) > 0 {
			return []string{"employee.updated", "employee.left"}
		}
		return []string{"employee.left"}
	}
	return []string{"employee.updated"}
}

func (f *hibobFlavour) body(event string, c change, stale bool) ([]byte, error) {
	at := c.at.UTC()
	if stale {
		at = at.Add(-hibobStaleBy)
	}
	data := map[string]any{"employeeId": c.employeeID}
	if event == "employee.updated" {
		data["fieldUpdates"] = nonNil(c.changed)
	}
	return json.Marshal(map[string]any{"companyId": f.o.CompanyID, "type": event, "triggeredBy": "system",
		"triggeredAt": at.Format(hibobTimeLayout), "version": "v2", "data": data})
}

// sign sets Bob-Signature: base64 of HMAC-SHA512 over the body. Bob signs no time.
func (f *hibobFlavour) sign(h http.Header, body []byte, secret string, _ time.Time) {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write(body)
	h.Set("Bob-Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func (f *hibobFlavour) routes(e *Emulator, mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/people/{id}", f.auth(func(w http.ResponseWriter, r *http.Request) { f.readEmployee(e, w, r) }))
	mux.HandleFunc("GET /v1/company/people/fields", f.auth(func(w http.ResponseWriter, _ *http.Request) {
		names := e.allFieldNames()
		sort.Strings(names)
		out := make([]map[string]string, 0, len(names))
		for _, n := range names {
			out = append(out, map[string]string{"id": n, "name": n, "jsonPath": strings.TrimPrefix(n, "root.")})
		}
		writeJSON(w, http.StatusOK, out)
	}))
}

// auth answers 401 unless Basic auth carries the service user's id and token.
func (f *hibobFlavour) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !hmac.Equal([]byte(user), []byte(f.o.ServiceUserID)) || !hmac.Equal([]byte(pass), []byte(f.o.Token)) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"key": "unauthorized", "error": "Unauthorized"})
			return
		}
		next(w, r)
	}
}

// readEmployee answers the requested field ids (all when none) as nested JSON, root.x at the top level; fields
// the employee lacks are left out, as Bob leaves out fields the service user may not read.
func (f *hibobFlavour) readEmployee(e *Emulator, w http.ResponseWriter, r *http.Request) {
	var req struct {
		Fields []string `json:"fields"`
	}
	if b, _ := io.ReadAll(io.LimitReader(r.Body, maxControlBody)); len(strings.TrimSpace(string(b))) > 0 {
		if err := json.Unmarshal(b, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be a JSON object"})
			return
		}
	}
	id := r.PathValue("id")
	fields, ok := e.employee(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"key": "notFound", "error": "Employee not found"})
		return
	}
	want := req.Fields
	if len(want) == 0 {
		for k := range fields {
			want = append(want, k)
		}
	}
	out := map[string]any{"id": id}
	for _, k := range want {
		if v, ok := fields[k]; ok {
			setNested(out, strings.Split(strings.TrimPrefix(k, "root."), "."), v)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// setNested sets path in a tree of maps, creating maps on the way; a scalar in the way is replaced.
func setNested(m map[string]any, path []string, v string) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
