package graphemu

import (
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// faultRule makes matching Graph requests slow or fail.
type faultRule struct {
	id         string
	method     string
	path       string
	re         *regexp.Regexp
	status     int
	retryAfter string
	count      int // 0 = unlimited
	latency    time.Duration
	applied    int
}

// faultSpec is the JSON of a fault rule in POST /_emulator/faults.
type faultSpec struct {
	Method     string          `json:"method"`
	Path       string          `json:"path"`
	Status     int             `json:"status"`
	RetryAfter json.RawMessage `json:"retry_after"` // a string such as "2.5"; a bare number is accepted
	Count      int             `json:"count"`
	LatencyMS  int             `json:"latency_ms"`
}

// view renders a rule for GET /_emulator/faults.
func (f *faultRule) view() map[string]any {
	var remaining any
	if f.count > 0 {
		remaining = max(0, f.count-f.applied)
	}
	return map[string]any{
		"id": f.id, "method": f.method, "path": f.path, "status": f.status, "retry_after": f.retryAfter,
		"count": f.count, "latency_ms": f.latency.Milliseconds(), "applied": f.applied, "remaining": remaining,
	}
}

// newFaultRule validates spec; the message names the faulty field.
func newFaultRule(spec faultSpec) (*faultRule, string) {
	re, err := regexp.Compile(spec.Path)
	if err != nil {
		return nil, "path: invalid regular expression: " + err.Error()
	}
	if spec.Status != 0 && (spec.Status < 400 || spec.Status > 599) {
		return nil, "status: must be 0 (no error) or an HTTP error status between 400 and 599"
	}
	retryAfter := strings.TrimSpace(string(spec.RetryAfter))
	if s, err := strconv.Unquote(retryAfter); err == nil {
		retryAfter = strings.TrimSpace(s)
	}
	if retryAfter == "null" {
		retryAfter = ""
	}
	if retryAfter != "" {
		v, err := strconv.ParseFloat(retryAfter, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 1) {
			return nil, "retry_after: must be a non-negative number of seconds, such as \"2.5\""
		}
	}
	if spec.Count < 0 {
		return nil, "count: must be 0 (unlimited) or positive"
	}
	if spec.LatencyMS < 0 || spec.LatencyMS > 600000 {
		return nil, "latency_ms: must be between 0 and 600000"
	}
	return &faultRule{
		id: newGUID(), method: strings.ToUpper(strings.TrimSpace(spec.Method)), path: spec.Path, re: re,
		status: spec.Status, retryAfter: retryAfter, count: spec.Count,
		latency: time.Duration(spec.LatencyMS) * time.Millisecond,
	}, ""
}

// applyFaults applies the first matching rule with a remaining count. It reports whether
// the response was written (an injected error, or the client left during the delay).
func (e *Emulator) applyFaults(w http.ResponseWriter, r *http.Request) bool {
	var rule faultRule
	found := false
	e.mu.Lock()
	for _, f := range e.st.faults {
		if (f.method != "" && f.method != r.Method) || !f.re.MatchString(r.URL.Path) {
			continue
		}
		if f.count > 0 && f.applied >= f.count {
			continue
		}
		f.applied++
		rule, found = *f, true
		break
	}
	e.mu.Unlock()
	if !found {
		return false
	}
	if rule.latency > 0 {
		t := time.NewTimer(rule.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if rule.status == 0 {
		return false
	}
	if rule.retryAfter != "" {
		w.Header().Set("Retry-After", rule.retryAfter)
	}
	code, msg := faultCode(rule.status)
	var extra map[string]string
	if rule.status == http.StatusTooManyRequests {
		extra = map[string]string{"code": "429", "status": "429"}
	}
	writeErrorExtra(w, r, rule.status, code, msg, extra)
	return true
}

// addFault serves POST /_emulator/faults.
func (e *Emulator) addFault(w http.ResponseWriter, r *http.Request, _ []string) {
	var spec faultSpec
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid fault rule: "+err.Error())
		return
	}
	rule, msg := newFaultRule(spec)
	if rule == nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	e.mu.Lock()
	e.st.faults = append(e.st.faults, rule)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": rule.id})
}

// listFaults serves GET /_emulator/faults.
func (e *Emulator) listFaults(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := make([]map[string]any, 0, len(e.st.faults))
	for _, f := range e.st.faults {
		out = append(out, f.view())
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// clearFaults serves DELETE /_emulator/faults.
func (e *Emulator) clearFaults(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.faults = nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}
