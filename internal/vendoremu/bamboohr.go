package vendoremu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// bambooTimeLayout is the layout of BambooHR's payload timestamps ("2026-01-31T18:42:00+0000"); the emulator
// uses it for X-BambooHR-Timestamp too (the header's real format is open, docs/hr-sources.md).
const bambooTimeLayout = "2006-01-02T15:04:05-0700"

// BambooHROptions configures a BambooHR emulator.
type BambooHROptions struct {
	CompanyDomain string // the {companyDomain} of API paths; default "acme"
	CompanyID     string // data.companyId of payloads; default "1"
	APIKey        string // the API key the REST calls must carry as Basic user; default "emulator-api-key"
	// FieldBased sends the legacy field-based payload (employees[] with fields) instead of the event-based one.
	FieldBased bool
	HTTPClient *http.Client     // sends webhooks; nil = 10 s timeout, no redirects
	Logger     *slog.Logger     // nil = discard
	Now        func() time.Time // nil = time.Now
}

type bambooFlavour struct{ o BambooHROptions }

// NewBambooHR returns a BambooHR emulator. Its API is served under /api/gateway.php, so the adapter's BaseURL
// is the server's URL + "/api/gateway.php".
func NewBambooHR(opts BambooHROptions) *Emulator {
	if opts.CompanyDomain == "" {
		opts.CompanyDomain = "acme"
	}
	if opts.CompanyID == "" {
		opts.CompanyID = "1"
	}
	if opts.APIKey == "" {
		opts.APIKey = "emulator-api-key"
	}
	return newEmulator(&bambooFlavour{o: opts}, common{HTTPClient: opts.HTTPClient, Logger: opts.Logger, Now: opts.Now})
}

func (f *bambooFlavour) vendor() string { return "bamboohr" }

func (f *bambooFlavour) newID(seq int) string { return strconv.Itoa(99 + seq) }

// defaultDelays: 5xx is retried up to 5 times after 5, 10, 20, 40 and 80 minutes.
func (f *bambooFlavour) defaultDelays() []time.Duration {
	return []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute}
}

// retryable: BambooHR retries 5xx, never 4xx.
func (f *bambooFlavour) retryable(status int) bool { return status >= 500 }

// events: creating an employee fires employee.created then employee.updated.
func (f *bambooFlavour) events(c change) []string {
	prefix := "employee."
	if f.o.FieldBased {
		prefix = "employee_with_fields."
	}
	switch c.kind {
	case KindCreated:
		if len(c.changed) > 0 {
			return []string{prefix + "created", prefix + "updated"}
		}
		return []string{prefix + "created"}
	case KindDeleted:
		return []string{prefix + "deleted"}
	}
	return []string{prefix + "updated"}
}

func (f *bambooFlavour) body(event string, c change, _ bool) ([]byte, error) {
	ts := c.at.UTC().Format(bambooTimeLayout)
	updated := strings.HasSuffix(event, ".updated")
	if f.o.FieldBased {
		action := "Created"
		switch {
		case updated:
			action = "Updated"
		case strings.HasSuffix(event, ".deleted"):
			action = "Deleted"
		}
		emp := map[string]any{"id": c.employeeID, "action": action, "timestamp": ts, "changedFields": []string{},
			"fields": map[string]string{}}
		if updated {
			emp["changedFields"], emp["fields"] = nonNil(c.changed), c.fields
		}
		return json.Marshal(map[string]any{"employees": []any{emp}})
	}
	data := map[string]any{"companyId": f.o.CompanyID, "employeeId": c.employeeID}
	if updated {
		data["changedFields"] = nonNil(c.changed)
	}
	return json.Marshal(map[string]any{"type": event, "timestamp": ts, "data": data})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sign sets X-BambooHR-Timestamp and X-BambooHR-Signature: hex HMAC-SHA256 over the body then the timestamp.
func (f *bambooFlavour) sign(h http.Header, body []byte, secret string, sentAt time.Time) {
	ts := sentAt.UTC().Format(bambooTimeLayout)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	m.Write([]byte(ts))
	h.Set("X-BambooHR-Timestamp", ts)
	h.Set("X-BambooHR-Signature", hex.EncodeToString(m.Sum(nil)))
}

func (f *bambooFlavour) routes(e *Emulator, mux *http.ServeMux) {
	emp := f.auth(func(w http.ResponseWriter, r *http.Request) { f.getEmployee(e, w, r) })
	meta := f.auth(func(w http.ResponseWriter, _ *http.Request) {
		names := e.allFieldNames()
		sort.Strings(names)
		out := make([]map[string]string, 0, len(names))
		for _, n := range names {
			out = append(out, map[string]string{"id": n, "name": n, "alias": n})
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /api/gateway.php/{domain}/v1/employees/{id}", emp)
	mux.HandleFunc("GET /api/gateway.php/{domain}/v1/employees/{id}/{$}", emp)
	mux.HandleFunc("GET /api/gateway.php/{domain}/v1/meta/fields", meta)
	mux.HandleFunc("GET /api/gateway.php/{domain}/v1/meta/fields/{$}", meta)
}

// auth answers 401 unless Basic auth carries the API key as user name, and 404 for another company domain.
func (f *bambooFlavour) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, _, ok := r.BasicAuth()
		if !ok || !hmac.Equal([]byte(user), []byte(f.o.APIKey)) {
			w.Header().Set("WWW-Authenticate", `Basic realm="emulator"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.PathValue("domain") != f.o.CompanyDomain {
			http.NotFound(w, r)
			return
		}
		next(w, r)
	}
}

// getEmployee answers {"id": ..., field: value or null} for the requested fields (all fields when none).
func (f *bambooFlavour) getEmployee(e *Emulator, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	fields, ok := e.employee(id)
	if !ok {
		w.Header().Set("X-BambooHR-Error-Message", "Employee not found")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	out := map[string]any{"id": id}
	want := strings.Split(r.URL.Query().Get("fields"), ",")
	if r.URL.Query().Get("fields") == "" {
		want = nil
		for k := range fields {
			want = append(want, k)
		}
	}
	for _, k := range want {
		if k == "" || k == "id" {
			continue
		}
		if v, ok := fields[k]; ok {
			out[k] = v
		} else {
			out[k] = nil
		}
	}
	writeJSON(w, http.StatusOK, out)
}
