package graphemu

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registerKeys registers n FIDO2 keys for Ada, one a second, and returns their method ids, oldest first.
func registerKeys(t *testing.T, env *testEnv, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		r := env.ctl(http.MethodPost, "/_emulator/users/"+DemoAdaLovelaceID+"/methods",
			map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "displayName": "Key"})
		require.Equal(t, http.StatusCreated, r.status)
		ids = append(ids, r.obj(t)["id"].(string))
		env.clock.Advance(time.Second)
	}
	return ids
}

func TestReportsPageWithAbsoluteNextLinks(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	ids := registerKeys(t, env, 5)
	first := env.report(audits+"?$filter=loggedByService eq 'Authentication Methods'&$top=2", "t")
	assert.Equal(t, env.base()+"/$metadata#auditLogs/directoryAudits", first.Context)
	require.Len(t, first.Value, 2)
	require.True(t, strings.HasPrefix(first.NextLink, env.base()+"/auditLogs/directoryAudits?"), first.NextLink)
	next, err := url.Parse(first.NextLink)
	require.NoError(t, err)
	assert.Equal(t, "loggedByService eq 'Authentication Methods'", next.Query().Get("$filter"), "the filter is kept")
	assert.Equal(t, "2", next.Query().Get("$top"))
	assert.NotEmpty(t, next.Query().Get("$skiptoken"))

	// An entry recorded while the reader pages is not on later pages: it is newer than the cursor.
	registerKeys(t, env, 1)
	second := env.report(first.NextLink, "t")
	require.Len(t, second.Value, 2)
	third := env.report(second.NextLink, "t")
	require.Len(t, third.Value, 1)
	assert.Empty(t, third.NextLink, "no link after the last page")
	var got []any
	for _, page := range [][]map[string]any{first.Value, second.Value, third.Value} {
		for _, e := range page {
			got = append(got, detail(t, e, "AuthenticationMethodId"))
		}
	}
	assert.Equal(t, []any{ids[4], ids[3], ids[2], ids[1], ids[0]}, got, "newest first, each once")

	asc := env.report(audits+"?$orderby=activityDateTime asc&$top=1", "t")
	assert.Equal(t, ids[0], detail(t, asc.Value[0], "AuthenticationMethodId"))
	assert.Equal(t, ids[1], detail(t, env.report(asc.NextLink, "t").Value[0], "AuthenticationMethodId"))
}

func TestReportFilters(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	registerKeys(t, env, 3) // 09:00:00, 09:00:01, 09:00:02
	require.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
	count := func(filter string) int {
		return len(env.report(audits+"?$filter="+url.QueryEscape(filter), "t").Value)
	}
	assert.Equal(t, 2, count("activityDateTime ge 2025-06-02T09:00:01Z and activityDateTime le 2025-06-02T09:00:02Z"))
	assert.Equal(t, 1, count("activityDateTime eq 2025-06-02T09:00:03Z"))
	assert.Equal(t, 3, count("ACTIVITYDISPLAYNAME eq 'user registered security info' and initiatedBy/user/id eq '"+DemoAdaLovelaceID+"'"))
	assert.Equal(t, 1, count("initiatedBy/app/appId eq '"+DefaultAppID+"'"))
	assert.Equal(t, 0, count("loggedByService eq 'Core Directory'"))
	assert.Equal(t, 0, count("activityDisplayName eq 'it''s not there'"))
}

func TestBadReportQueriesAre400sThatNameTheProblem(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	for query, want := range map[string]string{
		"$filter=" + url.QueryEscape("secretProp eq 'hunter2'"):                                "not filterable",
		"$filter=" + url.QueryEscape("loggedByService eq 'a' or loggedByService eq 'hunter2'"): "joined by 'and'",
		"$filter=" + url.QueryEscape("startswith(activityDisplayName,'hunter2')"):              "functions",
		"$filter=" + url.QueryEscape("activityDateTime ge 'hunter2'"):                          "unquoted DateTimeOffset",
		"$filter=" + url.QueryEscape("activityDateTime gt 2025-06-02T09:00:00Z"):               "only eq, ge and le",
		"$filter=" + url.QueryEscape("loggedByService ne 'hunter2'"):                           "only eq",
		"$filter=" + url.QueryEscape("loggedByService eq 'hunter2"):                            "not terminated",
		"$top=0": "from 1 to 1000", "$top=1001": "from 1 to 1000",
		"$orderby=hunter2": "$orderby", "$skiptoken=hunter2": "$skiptoken",
	} {
		r := env.graph(http.MethodGet, audits+"?"+query, nil)
		require.Equal(t, http.StatusBadRequest, r.status, query)
		assert.Equal(t, codeBadRequest, r.errCode(t))
		assert.Contains(t, r.errMessage(t), want, query)
		assert.NotContains(t, r.errMessage(t), "hunter2", "the input is not echoed")
	}
	r := env.graph(http.MethodGet, "/v1.0/auditLogs/signIns?$filter="+url.QueryEscape("activityDateTime ge 2025-06-02T09:00:00Z"), nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "createdDateTime (eq, ge, le)", "the message lists what the collection supports")
}

func TestReportsAreThrottledPerApp(t *testing.T) {
	env := newLogEnv(t, LogOptions{ReportsPer10s: 5})
	for i := 0; i < 5; i++ {
		env.report(audits, "reader") // the two collections share the budget
		env.clock.Advance(time.Second)
		if i == 2 {
			env.report("/v1.0/auditLogs/signIns", "reader")
			i++
		}
	}
	r := env.call(http.MethodGet, "/beta/auditLogs/signIns", nil, map[string]string{"Authorization": "Bearer reader"})
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "TooManyRequests", r.errCode(t))
	assert.Equal(t, "6", r.header.Get("Retry-After"), "until the oldest request leaves the 10-second window")
	env.report(audits, "another-app")
	env.clock.Advance(6 * time.Second)
	env.report(audits, "reader")

	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/logs", map[string]any{"reports_per_10s": 0}).status)
	for i := 0; i < 10; i++ {
		env.report(audits, "reader")
	}
}

func TestReportsNeedAuditLogAndDirectoryRead(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	perms := env.ctl(http.MethodGet, "/_emulator/permissions", nil).obj(t)["granted"].([]any)
	assert.Contains(t, perms, "AuditLog.Read.All", "granted until narrowed")
	for granted, want := range map[string]int{
		"User.Read.All":                        http.StatusForbidden,
		"AuditLog.Read.All":                    http.StatusForbidden,
		"Directory.Read.All":                   http.StatusForbidden,
		"AuditLog.Read.All,Directory.Read.All": http.StatusOK,
	} {
		r := env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": strings.Split(granted, ",")})
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		for _, path := range []string{audits, "/v1.0/auditLogs/signIns", "/beta/auditLogs/signIns"} {
			got := env.graph(http.MethodGet, path, nil)
			require.Equal(t, want, got.status, "%s with %s", path, granted)
			if want == http.StatusForbidden {
				assert.Equal(t, "Authorization_RequestDenied", got.errCode(t))
			}
		}
	}
}

func TestBetaServesOnlyTheLogs(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	assert.Equal(t, env.srv.URL+"/beta/$metadata#auditLogs/directoryAudits", env.report("/beta/auditLogs/directoryAudits", "t").Context)
	r := env.graph(http.MethodGet, "/beta/users/"+DemoAdaLovelaceID, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, http.StatusUnauthorized, env.call(http.MethodGet, "/beta/auditLogs/signIns", nil, nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, env.graph(http.MethodPost, audits, map[string]any{}).status)
}
