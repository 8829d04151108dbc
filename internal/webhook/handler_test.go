package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/webhook/whtest"
	"github.com/tapflow/tapflow/workflows"
)

const (
	oldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	newSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

// sign is the tests' own Standard Webhooks signer (whtest), independent of the library under test.
var sign = whtest.Sign

const hireBody = `{"id":"evt-1","type":"hire","occurred_at":"2026-11-26T09:14:03Z","employee":{"employee_id":"E1001",` +
	`"user":"ada.lovelace@contoso.example","time_zone":"Europe/London","start_date":"2026-12-01","start_time":"08:30"}}`

type fakeIntake struct {
	got    []hrevent.Event
	status string
	err    error
}

func (f *fakeIntake) submit(_ context.Context, e hrevent.Event) (workflows.EventResult, error) {
	f.got = append(f.got, e)
	if f.err != nil {
		return workflows.EventResult{}, f.err
	}
	return workflows.EventResult{Status: f.status, EventID: e.ID, WorkflowID: workflows.EmployeeWorkflowID(e.Employee.EmployeeID)}, nil
}

type call struct {
	body, contentType, secret, id string
	ts                            int64
	signature                     string // overrides the computed one
}

func do(t *testing.T, h http.Handler, c call) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	if c.contentType == "" {
		c.contentType = "application/json"
	}
	if c.secret == "" {
		c.secret = newSecret
	}
	if c.id == "" {
		c.id = "msg_1"
	}
	if c.ts == 0 {
		c.ts = time.Now().Unix()
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(c.body))
	req.Header.Set("Content-Type", c.contentType)
	req.Header.Set("webhook-id", c.id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(c.ts, 10))
	sig := c.signature
	if sig == "" {
		sig = sign(c.secret, c.id, c.ts, c.body)
	}
	req.Header.Set("webhook-signature", sig)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func handler(t *testing.T, f *fakeIntake) http.Handler {
	t.Helper()
	h, err := NewHandler([]string{oldSecret, newSecret}, f.submit, nil)
	require.NoError(t, err)
	return h.Routes()
}

func errorOf(out map[string]any) (string, []any) {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	fields, _ := e["fields"].([]any)
	return code, fields
}

func TestAcceptedDuplicateAndRotation(t *testing.T) {
	f := &fakeIntake{status: workflows.EventAccepted}
	h := handler(t, f)
	rec, out := do(t, h, call{body: hireBody})
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, map[string]any{"status": "accepted", "event_id": "evt-1", "workflow_id": "employee/E1001"}, out)
	require.Equal(t, "ada.lovelace@contoso.example", f.got[0].Employee.User)

	rec, _ = do(t, h, call{body: hireBody, secret: oldSecret})
	require.Equal(t, http.StatusAccepted, rec.Code, "the old secret still works while rotating")

	f.status = workflows.EventDuplicate
	rec, out = do(t, h, call{body: hireBody})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "duplicate", out["status"])

	f.status = workflows.EventStale
	rec, out = do(t, h, call{body: hireBody})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "stale", out["status"], "a stale event is reported as such")

	// Several signatures in one header: one valid is enough.
	rec, _ = do(t, h, call{body: hireBody, signature: "v1,AAAA " + sign(newSecret, "msg_1", time.Now().Unix(), hireBody)})
	require.Equal(t, http.StatusOK, rec.Code)
}

func TestTheHeaderIDIsUsedWhenTheBodyHasNone(t *testing.T) {
	f := &fakeIntake{status: workflows.EventAccepted}
	body := strings.Replace(hireBody, `"id":"evt-1",`, "", 1)
	rec, out := do(t, handler(t, f), call{body: body, id: "msg_from_header"})
	require.Equal(t, http.StatusAccepted, rec.Code, out)
	require.Equal(t, "msg_from_header", f.got[0].ID)
}

func TestRejections(t *testing.T) {
	f := &fakeIntake{status: workflows.EventAccepted}
	h := handler(t, f)
	for _, c := range []struct {
		name   string
		call   call
		status int
		code   string
	}{
		{"wrong secret", call{body: hireBody, secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key 123456"))}, 401, "invalid_signature"},
		{"tampered body", call{body: hireBody, signature: sign(newSecret, "msg_1", time.Now().Unix(), hireBody+" ")}, 401, "invalid_signature"},
		{"stale timestamp", call{body: hireBody, ts: time.Now().Add(-6 * time.Minute).Unix()}, 401, "invalid_signature"},
		{"future timestamp", call{body: hireBody, ts: time.Now().Add(6 * time.Minute).Unix()}, 401, "invalid_signature"},
		{"no signature", call{body: hireBody, signature: " "}, 401, "invalid_signature"},
		{"wrong content type", call{body: hireBody, contentType: "text/plain"}, 415, "unsupported_media_type"},
		{"too large", call{body: `{"id":"` + strings.Repeat("a", MaxBody) + `"}`}, 413, "body_too_large"},
		{"malformed JSON", call{body: `{"id":`}, 400, "invalid_event"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, out := do(t, h, c.call)
			require.Equal(t, c.status, rec.Code, rec.Body.String())
			code, _ := errorOf(out)
			require.Equal(t, c.code, code)
		})
	}
	require.Empty(t, f.got, "nothing rejected reached the intake")
}

func TestEveryFieldProblemIsListed(t *testing.T) {
	f := &fakeIntake{}
	body := `{"id":"evt 1","type":"fire","occurred_at":"yesterday","employee":{"employee_id":"","time_zone":"Mars/Base","start_date":"soon"}}`
	rec, out := do(t, handler(t, f), call{body: body})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	_, fields := errorOf(out)
	names := map[string]bool{}
	for _, fld := range fields {
		names[fld.(map[string]any)["field"].(string)] = true
	}
	for _, want := range []string{"id", "type", "occurred_at", "employee.employee_id", "employee.time_zone", "employee.start_date"} {
		require.True(t, names[want], "field %s is named: %v", want, fields)
	}
	rec, out = do(t, handler(t, f), call{body: strings.Replace(hireBody, `"type"`, `"typ"`, 1)})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	_, fields = errorOf(out)
	require.Equal(t, "type", fields[0].(map[string]any)["field"], "an unknown field is ignored; the missing one is named")
	rec, out = do(t, handler(t, f), call{body: `{"id":"e","type":"hire","employee":{"employee_id":5}}`})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	_, fields = errorOf(out)
	require.Equal(t, "employee.employee_id", fields[0].(map[string]any)["field"])
	require.Empty(t, f.got)
}

func TestTemporalDownIs503WithRetryAfter(t *testing.T) {
	f := &fakeIntake{err: errors.New("connection refused")}
	rec, out := do(t, handler(t, f), call{body: hireBody})
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "5", rec.Header().Get("Retry-After"))
	code, _ := errorOf(out)
	require.Equal(t, "temporarily_unavailable", code)
	require.NotContains(t, rec.Body.String(), "connection refused", "internal errors stay in the log")
}

func TestBadSecretsAreRefused(t *testing.T) {
	_, err := NewHandler(nil, nil, nil)
	require.ErrorContains(t, err, "TAPFLOW_WEBHOOK_SECRET")
	_, err = NewHandler([]string{"not-a-secret!"}, nil, nil)
	require.ErrorContains(t, err, "webhook secret 1 is not")
	require.Equal(t, []string{"a", "b", "c"}, SplitSecrets("a, b c"))
	s, err := NewSecret()
	require.NoError(t, err)
	_, err = NewHandler([]string{s}, nil, nil)
	require.NoError(t, err)
}

func TestLogsCarryTheEventIDNeverTheBody(t *testing.T) {
	var logs strings.Builder
	f := &fakeIntake{status: workflows.EventAccepted}
	h, err := NewHandler([]string{newSecret}, f.submit, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	rec, _ := do(t, h.Routes(), call{body: hireBody})
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Contains(t, logs.String(), `"event_id":"evt-1"`)
	require.NotContains(t, logs.String(), "ada.lovelace")
	require.NotContains(t, logs.String(), "Europe/London")
}

func TestTimestampWindowAndBodyLimitEdges(t *testing.T) {
	f := &fakeIntake{status: workflows.EventAccepted}
	h := handler(t, f)
	for _, skew := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		rec, _ := do(t, h, call{body: hireBody, ts: time.Now().Add(skew).Unix()})
		require.Equal(t, http.StatusAccepted, rec.Code, "a clock %s off is within five minutes", skew)
	}
	// A body of exactly 1 MiB passes the size check, and then fails validation (the reason's 1,024-character cap).
	pad := MaxBody - len(hireBody) - len(`,"reason":""`)
	body := strings.Replace(hireBody, `"id":"evt-1"`, `"id":"evt-1","reason":"`+strings.Repeat("x", pad)+`"`, 1)
	require.Len(t, body, MaxBody)
	rec, out := do(t, h, call{body: body})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, fmt.Sprint(out), "reason")
	rec, _ = do(t, h, call{body: body + " "})
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestWeakSecretsAreRefused(t *testing.T) {
	for _, s := range []string{"whsec_", "whsec_AAAA", strings.TrimPrefix(newSecret, "whsec_"), "whsec_!!!!"} {
		_, err := NewHandler([]string{s}, nil, nil)
		require.Error(t, err, s)
	}
}

// A forged request's webhook-id is logged only cut to 64 characters of the event id's alphabet: it cannot forge
// a log line (a newline, a quote) or fill the log.
func TestAnUnverifiedWebhookIDIsLoggedCutAndEscaped(t *testing.T) {
	var logs strings.Builder
	h, err := NewHandler([]string{newSecret}, (&fakeIntake{status: workflows.EventAccepted}).submit, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	forged := "msg_1\nlevel=ERROR msg=\"forged\" " + strings.Repeat("A", 500)
	rec, _ := do(t, h.Routes(), call{body: hireBody, id: forged, signature: "v1,bm90LWEtc2lnbmF0dXJl"})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "\n"), "one log line")
	require.NotContains(t, out, "forged\"")
	require.NotContains(t, out, strings.Repeat("A", 65))
	require.Contains(t, out, "msg_1?level")
	require.Equal(t, "msg_1", unverifiedID("msg_1"))
	require.Equal(t, strings.Repeat("a", 64)+"…", unverifiedID(strings.Repeat("a", 100)))
}
