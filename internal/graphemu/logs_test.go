package graphemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const audits = "/v1.0/auditLogs/directoryAudits"

// newLogEnv starts an emulator with the demo seed and the given log options.
func newLogEnv(t *testing.T, opts LogOptions) *testEnv {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	emu := New(Options{Now: clock.Now, Seed: DemoSeed(), Logs: &opts})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &testEnv{t: t, emu: emu, srv: srv, clock: clock}
}

// reportPage is a page of a reports collection.
type reportPage struct {
	Context  string           `json:"@odata.context"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// report GETs a reports path (relative to the server, or an absolute nextLink) with token and requires 200.
func (e *testEnv) report(path, token string) reportPage {
	e.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = e.srv.URL + strings.ReplaceAll(path, " ", "%20")
	}
	req, err := http.NewRequest(http.MethodGet, path, nil)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	require.Equal(e.t, http.StatusOK, res.StatusCode)
	var p reportPage
	require.NoError(e.t, json.NewDecoder(res.Body).Decode(&p))
	return p
}

// fakeJWT is an unsigned token carrying claims, enough for the emulator to read the caller's app.
func fakeJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".c2ln"
}

// detail returns the value of additionalDetails' key in an entry.
func detail(t *testing.T, entry map[string]any, key string) any {
	t.Helper()
	for _, kv := range entry["additionalDetails"].([]any) {
		if m := kv.(map[string]any); m["key"] == key {
			return m["value"]
		}
	}
	t.Fatalf("no additional detail %q in %v", key, entry)
	return nil
}

func TestAGraphCreatedPassIsAuditedWithTheCallersApp(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	created := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": true}).obj(t)
	entries := env.report(audits, "test-token").Value
	require.Len(t, entries, 1)
	a := entries[0]
	assert.Equal(t, "User registered security info", a["activityDisplayName"], "an app's pass shows as the user's registration")
	assert.Equal(t, "User registered temporary access pass method", a["resultReason"])
	assert.Equal(t, LoggedByAuthenticationMethods, a["loggedByService"])
	assert.Equal(t, "UserManagement", a["category"])
	assert.Equal(t, "success", a["result"])
	assert.Equal(t, "Add", a["operationType"])
	assert.Equal(t, "2025-06-02T09:00:00Z", a["activityDateTime"])
	by := a["initiatedBy"].(map[string]any)
	assert.Nil(t, by["user"])
	assert.Equal(t, DefaultAppID, by["app"].(map[string]any)["appId"])
	target := a["targetResources"].([]any)[0].(map[string]any)
	assert.Equal(t, DemoAdaLovelaceID, target["id"])
	assert.Equal(t, "ada.lovelace@contoso.example", target["userPrincipalName"])
	assert.Equal(t, "User", target["type"])
	assert.Equal(t, []any{map[string]any{"displayName": "AccessPassUsage", "oldValue": nil, "newValue": "OneTime"}},
		target["modifiedProperties"])
	assert.Equal(t, "Temporary Access Pass", detail(t, a, "AuthenticationMethod"))
	assert.Equal(t, created["id"], detail(t, a, "AuthenticationMethodId"))
	assert.NotContains(t, string(env.ctl(http.MethodGet, "/_emulator/logs/entries", nil).body),
		created["temporaryAccessPass"].(string), "no pass value in the logs")

	// A JWT names the app; its deletion of the pass is audited too.
	jwt := fakeJWT(map[string]any{"appid": "0a1b2c3d-0000-4000-8000-000000000001", "app_displayname": "Helpdesk tool"})
	r := env.call(http.MethodDelete, adaTAPs+"/"+created["id"].(string), nil, map[string]string{"Authorization": "Bearer " + jwt})
	require.Equal(t, http.StatusNoContent, r.status)
	env.clock.Advance(time.Second)
	latest := env.report(audits, "test-token").Value[0]
	assert.Equal(t, "User deleted security info", latest["activityDisplayName"])
	assert.Equal(t, "Delete", latest["operationType"])
	app := latest["initiatedBy"].(map[string]any)["app"].(map[string]any)
	assert.Equal(t, "0a1b2c3d-0000-4000-8000-000000000001", app["appId"])
	assert.Equal(t, "Helpdesk tool", app["displayName"])
}

func TestAShadowPassIsAuditedAsTheAdministrator(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	r := env.ctl(http.MethodPost, "/_emulator/users/"+DemoAdaLovelaceID+"/tap",
		map[string]any{"by": "grace.hopper@contoso.example", "lifetimeInMinutes": 90, "isUsableOnce": false})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	pass := r.obj(t)["temporaryAccessPass"].(string)
	require.Len(t, pass, 8)
	assert.EqualValues(t, 90, r.obj(t)["lifetimeInMinutes"])
	assert.Equal(t, []string{pass}, env.emu.IssuedPasses(DemoAdaLovelaceID), "recorded as a Graph-created pass is")
	verify := env.ctl(http.MethodPost, "/_emulator/users/"+DemoAdaLovelaceID+"/tap/verify", map[string]any{"pass": pass})
	assert.Equal(t, true, verify.obj(t)["usable"])

	a := env.report(audits+"?$filter=activityDisplayName eq 'Admin registered security info'", "t").Value
	require.Len(t, a, 1)
	assert.Equal(t, "Admin registered temporary access pass method for user", a[0]["resultReason"])
	by := a[0]["initiatedBy"].(map[string]any)
	assert.Nil(t, by["app"], "no app: a person in the portal")
	assert.Equal(t, DemoGraceHopperID, by["user"].(map[string]any)["id"])
	assert.Equal(t, "grace.hopper@contoso.example", by["user"].(map[string]any)["userPrincipalName"])

	// Without "by", the first administrator of the directory; the policy still applies.
	r = env.ctl(http.MethodPost, "/_emulator/users/"+DemoKatherineID+"/tap", nil)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	env.clock.Advance(time.Second)
	latest := env.report(audits, "t").Value[0]
	assert.Equal(t, DemoMargaretID, latest["initiatedBy"].(map[string]any)["user"].(map[string]any)["id"])
	bad := env.ctl(http.MethodPost, "/_emulator/users/"+DemoKatherineID+"/tap", map[string]any{"lifetimeInMinutes": 5})
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Contains(t, bad.errMessage(t), "LifetimeInMinutes")
	assert.Equal(t, http.StatusBadRequest, env.ctl(http.MethodPost, "/_emulator/users/"+DemoKatherineID+"/tap",
		map[string]any{"by": "nobody@contoso.example"}).status)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodPost, "/_emulator/users/nobody/tap", nil).status)
}

func TestAPersonsMethodsAreAuditedAsTheirOwn(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	r := env.ctl(http.MethodPost, "/_emulator/users/"+DemoAdaLovelaceID+"/methods",
		map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "displayName": "Key"})
	require.Equal(t, http.StatusCreated, r.status)
	methodID := r.obj(t)["id"].(string)
	env.clock.Advance(time.Minute)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoAdaLovelaceID+"/methods/"+methodID, nil).status)

	entries := env.report(audits, "t").Value
	require.Len(t, entries, 2)
	deleted, registered := entries[0], entries[1]
	assert.Equal(t, "User registered security info", registered["activityDisplayName"])
	assert.Equal(t, "User registered Fido2 Authentication Method", registered["resultReason"])
	assert.Equal(t, "Fido2", detail(t, registered, "AuthenticationMethod"))
	assert.Equal(t, methodID, detail(t, registered, "AuthenticationMethodId"))
	assert.Equal(t, "User deleted security info", deleted["activityDisplayName"])
	assert.Equal(t, "2025-06-02T09:01:00Z", deleted["activityDateTime"])
	for _, e := range entries {
		by := e["initiatedBy"].(map[string]any)
		assert.Nil(t, by["app"])
		assert.Equal(t, DemoAdaLovelaceID, by["user"].(map[string]any)["id"])
	}
}

func TestTheIngestionDelayHidesAnEntryThenShowsItWithItsOwnTime(t *testing.T) {
	env := newEnv(t, nil) // the default options: 60 to 120 seconds
	assert.Equal(t, map[string]any{"ingestion_delay_seconds": []any{60.0, 120.0}, "reports_per_10s": 5.0},
		env.ctl(http.MethodGet, "/_emulator/logs", nil).obj(t))
	require.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
	since := audits + "?$filter=activityDateTime ge 2025-06-02T08:55:00Z and loggedByService eq 'Authentication Methods'"
	assert.Empty(t, env.report(since, "t").Value, "not ingested yet")
	env.clock.Advance(59 * time.Second)
	assert.Empty(t, env.report(since, "t").Value, "not before the shortest delay")
	all := env.ctl(http.MethodGet, "/_emulator/logs/entries", nil).obj(t)["directoryAudits"].([]any)
	require.Len(t, all, 1, "the control API shows it already")
	visible, err := time.Parse(time.RFC3339Nano, all[0].(map[string]any)["@emulator.visibleDateTime"].(string))
	require.NoError(t, err)
	assert.WithinRange(t, visible, env.clock.Now().Add(time.Second), env.clock.Now().Add(61*time.Second))

	env.clock.Advance(61 * time.Second)
	late := env.report(since, "t").Value
	require.Len(t, late, 1, "visible by the longest delay")
	assert.Equal(t, "2025-06-02T09:00:00Z", late[0]["activityDateTime"], "the time of the fact, not of ingestion")
	assert.Empty(t, env.report(audits+"?$filter=activityDateTime ge 2025-06-02T09:01:00Z", "t").Value,
		"a cursor past the fact misses the late arrival: readers need an overlap window")
}

func TestLogSettingsAndEntriesControl(t *testing.T) {
	env := newEnv(t, nil)
	require.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
	assert.Empty(t, env.report(audits, "t").Value)
	r := env.ctl(http.MethodPut, "/_emulator/logs", map[string]any{"ingestion_delay_seconds": []float64{0, 0}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, 5.0, r.obj(t)["reports_per_10s"], "a field left out keeps its value")
	assert.Len(t, env.report(audits, "t").Value, 1, "the new delay applies to entries already recorded")
	for _, bad := range []map[string]any{{"ingestion_delay_seconds": []float64{5, 1}}, {"reports_per_10s": -1},
		{"ingestion_delay_seconds": []float64{-1, 1}}, {"delay": 1}} {
		assert.Equal(t, http.StatusBadRequest, env.ctl(http.MethodPut, "/_emulator/logs", bad).status, bad)
	}
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/logs/entries", nil).status)
	assert.Empty(t, env.report(audits, "t").Value)
	require.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	after := env.ctl(http.MethodGet, "/_emulator/logs/entries", nil).obj(t)
	assert.Empty(t, after["directoryAudits"], "a reset empties the logs")
	assert.Equal(t, []any{60.0, 120.0}, env.ctl(http.MethodGet, "/_emulator/logs", nil).obj(t)["ingestion_delay_seconds"],
		"and restores the settings the emulator started with")
}
