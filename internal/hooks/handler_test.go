package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

type recorder struct{ entries []audit.Entry }

func (r *recorder) Record(_ context.Context, e audit.Entry) { r.entries = append(r.entries, e) }

type counter map[string]int

func (c counter) SourceDelivery(source, result string) { c[source+":"+result]++ }

// starts records the notices handed in; dup makes every one a duplicate, fail makes Temporal unreachable.
type starts struct {
	notices   []hrvendor.Notice
	dup, fail bool
}

func (s *starts) start(_ context.Context, n hrvendor.Notice) (bool, error) {
	if s.fail {
		return false, errors.New("connection refused")
	}
	s.notices = append(s.notices, n)
	return s.dup, nil
}

const secret = "bamboo-private-key"

func bambooBody(employee string) []byte {
	return []byte(`{"type":"employee.created","timestamp":"2026-12-07T10:00:00+0000","data":{"companyId":1,"employeeId":"` + employee + `"}}`)
}

func deliver(h *Handler, path, contentType string, body []byte, sign func(http.Header)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if sign != nil {
		sign(req.Header)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func signedAt(body []byte, key string, at time.Time) func(http.Header) {
	return func(h http.Header) {
		ts := strconv.FormatInt(at.Unix(), 10)
		h.Set(hrvendor.BambooHRTimestampHeader, ts)
		h.Set(hrvendor.BambooHRSignatureHeader, hrvendor.SignBambooHR(key, body, ts))
	}
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	var r reply
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r))
	require.NotNil(t, r.Error, rec.Body.String())
	return r.Error.Code
}

func TestTheVendorHookVerifiesThenHandsEachNoticeIn(t *testing.T) {
	s, rec, m := &starts{}, &recorder{}, counter{}
	h := NewHandler([]hrvendor.Adapter{hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: []string{"old-key", secret}})},
		s.start, nil, rec, m)
	body := bambooBody("123")

	ok := deliver(h, "/v1/hooks/bamboohr", "application/json", body, signedAt(body, secret, time.Now()))
	require.Equal(t, http.StatusAccepted, ok.Code, ok.Body.String())
	require.Len(t, s.notices, 1)
	assert.Equal(t, "123", s.notices[0].EmployeeID)

	s.dup = true
	again := deliver(h, "/v1/hooks/bamboohr", "application/json", body, signedAt(body, secret, time.Now()))
	require.Equal(t, http.StatusOK, again.Code)
	assert.Contains(t, again.Body.String(), `"status":"duplicate"`)

	s.fail = true
	down := deliver(h, "/v1/hooks/bamboohr", "application/json", body, signedAt(body, secret, time.Now()))
	require.Equal(t, http.StatusServiceUnavailable, down.Code)
	assert.NotEmpty(t, down.Header().Get("Retry-After"))
	assert.Equal(t, 1, m["bamboohr:accepted"])
	assert.Equal(t, 1, m["bamboohr:duplicate"])
	assert.Equal(t, 1, m["bamboohr:unavailable"])
}

func TestTheVendorHookRefusesWhatItCannotVerify(t *testing.T) {
	s, rec, m := &starts{}, &recorder{}, counter{}
	h := NewHandler([]hrvendor.Adapter{hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: []string{secret}})}, s.start, nil, rec, m)
	body := bambooBody("123")
	for name, c := range map[string]struct {
		path, contentType string
		sign              func(http.Header)
		status            int
		code              string
	}{
		"forged":           {"/v1/hooks/bamboohr", "application/json", signedAt(body, "guessed-key", time.Now()), 401, ReasonBadSignature},
		"unsigned":         {"/v1/hooks/bamboohr", "application/json", nil, 401, ReasonBadSignature},
		"stale":            {"/v1/hooks/bamboohr", "application/json", signedAt(body, secret, time.Now().Add(-time.Hour)), 401, ReasonStale},
		"another vendor":   {"/v1/hooks/hibob", "application/json", signedAt(body, secret, time.Now()), 404, "unknown_source"},
		"not json":         {"/v1/hooks/bamboohr", "text/plain", signedAt(body, secret, time.Now()), 415, "unsupported_media_type"},
		"tampered payload": {"/v1/hooks/bamboohr", "application/json", signedAt(bambooBody("124"), secret, time.Now()), 401, ReasonBadSignature},
	} {
		res := deliver(h, c.path, c.contentType, body, c.sign)
		require.Equal(t, c.status, res.Code, name)
		assert.Equal(t, c.code, errorCode(t, res), name)
		assert.NotContains(t, res.Body.String(), "123", "%s: the answer never echoes the body", name)
	}
	big := deliver(h, "/v1/hooks/bamboohr", "application/json", bytes.Repeat([]byte("x"), MaxBody+1), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, big.Code)
	assert.Empty(t, s.notices, "nothing was handed in")
	reasons := []string{}
	for _, e := range rec.entries {
		assert.Equal(t, "source.refused", e.Action)
		reasons = append(reasons, e.Reason)
	}
	assert.Contains(t, reasons, "bamboohr: invalid_signature")
	assert.Contains(t, reasons, "bamboohr: stale_signature")
	assert.Equal(t, 3, m["bamboohr:bad_signature"])
	assert.Equal(t, 1, m["bamboohr:stale"])

	signedJunk := []byte(`{"employees": 7}`)
	junk := deliver(h, "/v1/hooks/bamboohr", "application/json", signedJunk, signedAt(signedJunk, secret, time.Now()))
	assert.Equal(t, http.StatusBadRequest, junk.Code, junk.Body.String())
	assert.True(t, strings.Contains(junk.Body.String(), ReasonBadPayload))
}

func TestANoticeWorkflowIDCarriesNoVendorID(t *testing.T) {
	n := hrvendor.Notice{Vendor: "bamboohr", DeliveryID: "bamboohr:abc", EmployeeID: "40417", Kind: "created"}
	id := NoticeWorkflowID(n)
	assert.True(t, strings.HasPrefix(id, "source/bamboohr/"))
	assert.NotContains(t, id, "40417")
	assert.Equal(t, id, NoticeWorkflowID(n), "the same delivery names the same workflow")
	n.Kind = "updated"
	assert.NotEqual(t, id, NoticeWorkflowID(n))
}
