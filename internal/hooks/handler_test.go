package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	assert.Equal(t, 3, m["bamboohr:bad_signature"], "the metric counts every refusal")
	assert.Equal(t, 1, m["bamboohr:stale"])

	signedJunk := []byte(`{"employees": 7}`)
	junk := deliver(h, "/v1/hooks/bamboohr", "application/json", signedJunk, signedAt(signedJunk, secret, time.Now()))
	assert.Equal(t, http.StatusBadRequest, junk.Code, junk.Body.String())
	assert.True(t, strings.Contains(junk.Body.String(), ReasonBadPayload))

	// Within RefusalAuditInterval, one audit line per vendor and reason, whatever the number of refusals.
	assert.Equal(t, []string{"bamboohr: invalid_signature", "bamboohr: stale_signature", "bamboohr: invalid_payload"},
		sortedAs(auditReasons(t, rec), "bamboohr: invalid_signature", "bamboohr: stale_signature", "bamboohr: invalid_payload"))

	// Past it, the next line says how many were held back.
	h.now = func() time.Time { return time.Now().Add(RefusalAuditInterval + time.Second) }
	late := deliver(h, "/v1/hooks/bamboohr", "application/json", body, nil)
	require.Equal(t, http.StatusUnauthorized, late.Code)
	reasons := auditReasons(t, rec)
	assert.Equal(t, "bamboohr: invalid_signature (+2 suppressed)", reasons[len(reasons)-1])
	assert.Len(t, reasons, 4)
	assert.Equal(t, 4, m["bamboohr:bad_signature"])
}

// auditReasons are the reasons of the source.refused lines written.
func auditReasons(t *testing.T, rec *recorder) []string {
	t.Helper()
	reasons := []string{}
	for _, e := range rec.entries {
		assert.Equal(t, "source.refused", e.Action)
		reasons = append(reasons, e.Reason)
	}
	return reasons
}

// sortedAs orders got by the order of want (the cases above run in map order), keeping what want lacks last.
func sortedAs(got []string, want ...string) []string {
	out := []string{}
	for _, w := range want {
		for _, g := range got {
			if g == w {
				out = append(out, g)
			}
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			out = append(out, g)
		}
	}
	return out
}

func TestTheRefusalLimiterIsPerVendorAndReason(t *testing.T) {
	l := newLimiter(10 * time.Second)
	t0 := time.Now()
	due, _ := l.allow("bamboohr\x00invalid_signature", t0)
	assert.True(t, due)
	due, _ = l.allow("hibob\x00invalid_signature", t0)
	assert.True(t, due, "another vendor has its own line")
	due, _ = l.allow("bamboohr\x00stale_signature", t0)
	assert.True(t, due, "another reason has its own line")
	for range 12 {
		due, _ = l.allow("bamboohr\x00invalid_signature", t0.Add(9*time.Second))
		assert.False(t, due)
	}
	due, n := l.allow("bamboohr\x00invalid_signature", t0.Add(10*time.Second))
	assert.True(t, due)
	assert.Equal(t, 12, n)
	due, n = l.allow("bamboohr\x00invalid_signature", t0.Add(21*time.Second))
	assert.True(t, due)
	assert.Zero(t, n)
}

// fieldBody is a BambooHR field-based delivery naming the given employees, each updated.
func fieldBody(ids ...string) []byte {
	var b strings.Builder
	b.WriteString(`{"employees":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteString(",")
		}
		field := []string{"department", "jobTitle"}[i%2]
		b.WriteString(`{"id":"` + id + `","action":"Updated","timestamp":"2026-12-07T10:00:00Z","changedFields":["` + field + `"]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func TestTheVendorHookCapsAndMergesNotices(t *testing.T) {
	s, rec, m := &starts{}, &recorder{}, counter{}
	h := NewHandler([]hrvendor.Adapter{hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: []string{secret}})}, s.start, nil, rec, m)

	ids := make([]string, MaxNotices+1)
	for i := range ids {
		ids[i] = strconv.Itoa(1000 + i)
	}
	many := fieldBody(ids...)
	res := deliver(h, "/v1/hooks/bamboohr", "application/json", many, signedAt(many, secret, time.Now()))
	require.Equal(t, http.StatusRequestEntityTooLarge, res.Code)
	assert.Equal(t, ReasonTooMany, errorCode(t, res))
	assert.Empty(t, s.notices, "nothing was handed in")
	assert.Equal(t, 1, m["bamboohr:invalid"])
	assert.Equal(t, []string{"bamboohr: too_many_notices"}, auditReasons(t, rec))

	// The same employee named many times is one notice: under the cap, merged.
	same := make([]string, MaxNotices+1)
	for i := range same {
		same[i] = "7"
	}
	merged := fieldBody(append(same, "8")...)
	res = deliver(h, "/v1/hooks/bamboohr", "application/json", merged, signedAt(merged, secret, time.Now()))
	require.Equal(t, http.StatusAccepted, res.Code, res.Body.String())
	assert.Contains(t, res.Body.String(), `"notices":2`)
	require.Len(t, s.notices, 2)
	assert.Equal(t, "7", s.notices[0].EmployeeID)
	assert.Equal(t, []string{"department", "jobTitle"}, s.notices[0].ChangedFields, "the changed fields of all of them")
	assert.Equal(t, "8", s.notices[1].EmployeeID)
}

func TestDedupeKeepsKindsApartAndUnknownChanges(t *testing.T) {
	ns := dedupe([]hrvendor.Notice{
		{EmployeeID: "1", Kind: "updated", DeliveryID: "d:0"},
		{EmployeeID: "1", Kind: "deleted", DeliveryID: "d:1"},
		{EmployeeID: "1", Kind: "updated", DeliveryID: "d:2", ChangedFields: []string{"status"}},
		{EmployeeID: "2", Kind: "updated", DeliveryID: "d:3"},
		{EmployeeID: "2", Kind: "updated", DeliveryID: "d:4"},
	})
	require.Len(t, ns, 3)
	assert.Equal(t, "d:2", ns[0].DeliveryID, "the last of one employee and kind, in the first's place")
	assert.Equal(t, []string{"status"}, ns[0].ChangedFields)
	assert.Equal(t, "d:1", ns[1].DeliveryID)
	assert.Equal(t, "d:4", ns[2].DeliveryID)
	assert.Nil(t, ns[2].ChangedFields, "none said what changed: still unknown")
}

// slowStarts takes the first notice at once and never answers for another until the context ends; seen makes a
// notice handed in before a duplicate.
type slowStarts struct {
	mu   sync.Mutex
	seen map[string]bool
	slow bool
}

func (s *slowStarts) start(ctx context.Context, n hrvendor.Notice) (bool, error) {
	s.mu.Lock()
	id := NoticeWorkflowID(n)
	if s.seen[id] {
		s.mu.Unlock()
		return true, nil
	}
	if s.slow && len(s.seen) > 0 {
		s.mu.Unlock()
		<-ctx.Done()
		return false, ctx.Err()
	}
	s.seen[id] = true
	s.mu.Unlock()
	return false, nil
}

func TestTheVendorHookGivesUpAtTheDeadline(t *testing.T) {
	s, m := &slowStarts{seen: map[string]bool{}, slow: true}, counter{}
	h := NewHandler([]hrvendor.Adapter{hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: []string{secret}})}, s.start, nil, nil, m)
	h.startDeadline = 50 * time.Millisecond
	body := fieldBody("1", "2", "3")
	began := time.Now()
	res := deliver(h, "/v1/hooks/bamboohr", "application/json", body, signedAt(body, secret, time.Now()))
	require.Equal(t, http.StatusServiceUnavailable, res.Code, res.Body.String())
	assert.Less(t, time.Since(began), 5*time.Second, "the deadline holds")
	assert.NotEmpty(t, res.Header().Get("Retry-After"))
	assert.Equal(t, 1, m["bamboohr:unavailable"])
	assert.Len(t, s.seen, 1, "the first was handed in")

	s.slow = false
	again := deliver(h, "/v1/hooks/bamboohr", "application/json", body, signedAt(body, secret, time.Now()))
	require.Equal(t, http.StatusAccepted, again.Code, again.Body.String())
	assert.Contains(t, again.Body.String(), `"duplicates":1`, "the one already in answers duplicate")
	assert.Len(t, s.seen, 3)
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
