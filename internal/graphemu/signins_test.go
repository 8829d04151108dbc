package graphemu

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signIn posts a sign-in for user and returns the answer, requiring 200.
func signIn(t *testing.T, env *testEnv, user string, body map[string]any) map[string]any {
	t.Helper()
	r := env.ctl(http.MethodPost, "/_emulator/users/"+user+"/signin", body)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	return r.obj(t)
}

func TestASignInWithAOneTimePassConsumesIt(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	pass := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": true}).obj(t)["temporaryAccessPass"].(string)
	attempt := map[string]any{"method": "temporaryAccessPass", "pass": pass, "ipAddress": "203.0.113.7",
		"clientAppUsed": "Browser", "location": map[string]any{"city": "London", "countryOrRegion": "GB"}}
	ok := signIn(t, env, DemoAdaLovelaceID, attempt)
	assert.Equal(t, true, ok["succeeded"])
	assert.EqualValues(t, 0, ok["errorCode"])
	env.clock.Advance(time.Minute)
	again := signIn(t, env, "ada.lovelace@contoso.example", attempt)
	assert.Equal(t, false, again["succeeded"], "a one-time pass is consumed")
	assert.EqualValues(t, SignInErrorInvalidCredentials, again["errorCode"])
	assert.Equal(t, "OneTimeUsed", again["reason"])
	env.clock.Advance(time.Minute)
	wrong := signIn(t, env, DemoAdaLovelaceID, map[string]any{"method": "temporaryAccessPass", "pass": "not-it"})
	assert.Equal(t, "PassMismatch", wrong["reason"])

	filter := "?$filter=" + url.QueryEscape("userId eq '"+DemoAdaLovelaceID+"' and createdDateTime ge 2025-06-02T09:00:00Z")
	beta := env.report("/beta/auditLogs/signIns"+filter, "t").Value
	require.Len(t, beta, 3, "every attempt is logged")
	failed, first := beta[1], beta[2]
	assert.Equal(t, ok["signInId"], first["id"])
	assert.Equal(t, "2025-06-02T09:00:00Z", first["createdDateTime"])
	assert.Equal(t, "ada.lovelace@contoso.example", first["userPrincipalName"])
	assert.Equal(t, MySignInsAppID, first["appId"])
	assert.Equal(t, MySignInsAppDisplayName, first["appDisplayName"])
	assert.Equal(t, "203.0.113.7", first["ipAddress"])
	assert.Equal(t, "Browser", first["clientAppUsed"])
	assert.Equal(t, true, first["isInteractive"])
	assert.Equal(t, map[string]any{"city": "London", "state": nil, "countryOrRegion": "GB", "geoCoordinates": nil}, first["location"])
	assert.Equal(t, map[string]any{"errorCode": 0.0, "failureReason": nil, "additionalDetails": nil}, first["status"])
	step := first["authenticationDetails"].([]any)[0].(map[string]any)
	assert.Equal(t, "Temporary Access Pass", step["authenticationMethod"])
	assert.Equal(t, true, step["succeeded"])
	assert.Equal(t, "2025-06-02T09:00:00Z", step["authenticationStepDateTime"])
	status := failed["status"].(map[string]any)
	assert.EqualValues(t, SignInErrorInvalidCredentials, status["errorCode"])
	assert.Equal(t, "Temporary Access Pass sign in was blocked due to User Credential Policy", status["failureReason"])
	assert.Equal(t, false, failed["authenticationDetails"].([]any)[0].(map[string]any)["succeeded"])

	v1 := env.report("/v1.0/auditLogs/signIns"+filter, "t")
	assert.Equal(t, env.base()+"/$metadata#auditLogs/signIns", v1.Context)
	require.Len(t, v1.Value, 3)
	assert.NotContains(t, v1.Value[0], "authenticationDetails", "a beta-only property")
	assert.NotContains(t, string(env.ctl(http.MethodGet, "/_emulator/logs/entries", nil).body), pass)
}

func TestOtherSignInsAreRecordedUnchecked(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	got := signIn(t, env, DemoRadiaPerlmanID, map[string]any{"method": "fido2"})
	assert.Equal(t, true, got["succeeded"])
	entry := env.report("/beta/auditLogs/signIns", "t").Value[0]
	assert.Equal(t, DemoRadiaPerlmanID, entry["userId"])
	assert.Equal(t, "Browser", entry["clientAppUsed"], "the default client")
	assert.Equal(t, "FIDO2 security key", entry["authenticationDetails"].([]any)[0].(map[string]any)["authenticationMethod"])

	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, "/v1.0/users/"+DemoRadiaPerlmanID,
		map[string]any{"accountEnabled": false}).status)
	disabled := signIn(t, env, DemoRadiaPerlmanID, map[string]any{"method": "password"})
	assert.Equal(t, false, disabled["succeeded"])
	assert.EqualValues(t, SignInErrorUserDisabled, disabled["errorCode"])

	for _, body := range []map[string]any{{"method": "carrierPigeon"}, {}, {"method": "password", "extra": 1}} {
		assert.Equal(t, http.StatusBadRequest, env.ctl(http.MethodPost, "/_emulator/users/"+DemoRadiaPerlmanID+"/signin", body).status, body)
	}
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodPost, "/_emulator/users/nobody/signin",
		map[string]any{"method": "password"}).status)
}
