package graphemu

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const adaTAPs = "/v1.0/users/" + DemoAdaLovelaceID + "/authentication/temporaryAccessPassMethods"

func TestCreateTAPValueOnlyOnPost(t *testing.T) {
	env := newEnv(t, nil)
	// The SDK sends @odata.type in the body.
	r := env.graph(http.MethodPost, adaTAPs, map[string]any{"@odata.type": tapType})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	tap := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users('"+DemoAdaLovelaceID+"')/authentication/temporaryAccessPassMethods/$entity", tap["@odata.context"])
	assert.Equal(t, tapType, tap["@odata.type"])
	pass, _ := tap["temporaryAccessPass"].(string)
	require.Len(t, pass, 8)
	for _, c := range pass {
		assert.True(t, strings.ContainsRune(passAlphabet, c), "unexpected character %q", c)
	}
	assert.Equal(t, "2025-06-02T09:00:00Z", tap["createdDateTime"])
	assert.Equal(t, "2025-06-02T09:00:00Z", tap["startDateTime"])
	assert.EqualValues(t, 60, tap["lifetimeInMinutes"])
	assert.Equal(t, false, tap["isUsableOnce"])
	assert.Equal(t, true, tap["isUsable"])
	assert.Equal(t, "EnabledByPolicy", tap["methodUsabilityReason"])
	id := tap["id"].(string)
	assert.Equal(t, []string{pass}, env.emu.IssuedPasses("ADA.LOVELACE@contoso.example"))

	list := env.graph(http.MethodGet, adaTAPs, nil)
	require.Equal(t, http.StatusOK, list.status)
	lb := list.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users('"+DemoAdaLovelaceID+"')/authentication/temporaryAccessPassMethods", lb["@odata.context"])
	require.Len(t, lb["value"], 1)
	el := lb["value"].([]any)[0].(map[string]any)
	assert.NotContains(t, el, "@odata.type")
	assert.Contains(t, el, "temporaryAccessPass")
	assert.Nil(t, el["temporaryAccessPass"])

	one := env.graph(http.MethodGet, adaTAPs+"/"+id, nil)
	require.Equal(t, http.StatusOK, one.status)
	ob := one.obj(t)
	assert.Equal(t, tapType, ob["@odata.type"])
	assert.Nil(t, ob["temporaryAccessPass"])
	assert.Equal(t, id, ob["id"])

	for _, path := range []string{adaTAPs, adaTAPs + "/" + id, "/v1.0/users/" + DemoAdaLovelaceID + "/authentication/methods"} {
		assert.NotContains(t, string(env.graph(http.MethodGet, path, nil).body), pass)
	}
	assert.NotContains(t, string(env.ctl(http.MethodGet, "/_emulator/requests", nil).body), pass)
}

func TestSecondTAPReplacesFirst(t *testing.T) {
	env := newEnv(t, nil)
	first := env.graph(http.MethodPost, adaTAPs, map[string]any{}).obj(t)
	second := env.graph(http.MethodPost, adaTAPs, map[string]any{"lifetimeInMinutes": 120, "isUsableOnce": true}).obj(t)
	require.NotEqual(t, first["id"], second["id"])
	list := env.graph(http.MethodGet, adaTAPs, nil).obj(t)["value"].([]any)
	require.Len(t, list, 1)
	assert.Equal(t, second["id"], list[0].(map[string]any)["id"])
	assert.EqualValues(t, 120, list[0].(map[string]any)["lifetimeInMinutes"])
	assert.Equal(t, true, list[0].(map[string]any)["isUsableOnce"])
	r := env.graph(http.MethodGet, adaTAPs+"/"+first["id"].(string), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "Request_ResourceNotFound", r.errCode(t))
	assert.Equal(t, []string{first["temporaryAccessPass"].(string), second["temporaryAccessPass"].(string)},
		env.emu.IssuedPasses(DemoAdaLovelaceID))
}

func TestTAPLifetimeOutOfRange(t *testing.T) {
	env := newEnv(t, nil)
	for _, n := range []int{5, 59, 481, 50000} {
		r := env.graph(http.MethodPost, adaTAPs, map[string]any{"lifetimeInMinutes": n})
		require.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, "badRequest", r.errCode(t))
		assert.Equal(t, "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.", r.errMessage(t))
	}
	assert.Empty(t, env.emu.IssuedPasses(DemoAdaLovelaceID))
	assert.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{"lifetimeInMinutes": 480}).status)
}

func TestTAPPolicyDisabledAndScope(t *testing.T) {
	env := newEnv(t, nil)
	pol := DefaultPolicy()
	pol.State = "disabled"
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/policy", pol).status)
	r := env.graph(http.MethodPost, adaTAPs, map[string]any{})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "badRequest", r.errCode(t))
	assert.Equal(t, msgConverged, r.errMessage(t))

	pol = DefaultPolicy()
	pol.IncludeTargets = []Target{{TargetType: "group", ID: DemoNewJoinersGroupID}}
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/policy", pol).status)
	assert.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
	r = env.graph(http.MethodPost, "/v1.0/users/"+DemoRadiaPerlmanID+"/authentication/temporaryAccessPassMethods", map[string]any{})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, msgConverged, r.errMessage(t))

	pol = DefaultPolicy()
	pol.ExcludeTargets = []Target{{TargetType: "group", ID: DemoNewJoinersGroupID}}
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/policy", pol).status)
	r = env.graph(http.MethodPost, adaTAPs, map[string]any{})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, msgConverged, r.errMessage(t))
	// The existing TAP is no longer usable for a user out of scope.
	list := env.graph(http.MethodGet, adaTAPs, nil).obj(t)["value"].([]any)
	assert.Equal(t, "DisabledByPolicy", list[0].(map[string]any)["methodUsabilityReason"])
}

func TestTAPOneTimePolicyAndBadBodies(t *testing.T) {
	env := newEnv(t, nil)
	pol := DefaultPolicy()
	pol.IsUsableOnce = true
	pol.DefaultLength = 12
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/policy", pol).status)
	r := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": false})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "badRequest", r.errCode(t))
	assert.Contains(t, r.errMessage(t), "isUsableOnce")

	r = env.graph(http.MethodPost, adaTAPs, "")
	require.Equal(t, http.StatusCreated, r.status)
	tap := r.obj(t)
	assert.Equal(t, true, tap["isUsableOnce"])
	assert.Len(t, tap["temporaryAccessPass"], 12)

	for _, body := range []string{`{`, `{"lifetimeInMinutes":"60"}`, `{"isUsableOnce":"yes"}`, `{"startDateTime":"tomorrow"}`, `[1]`} {
		r = env.graph(http.MethodPost, adaTAPs, body)
		require.Equal(t, http.StatusBadRequest, r.status, body)
		assert.Equal(t, "BadRequest", r.errCode(t), body)
	}
	r = env.graph(http.MethodPost, "/v1.0/users/ghost@contoso.example/authentication/temporaryAccessPassMethods", map[string]any{})
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestTAPUsabilityOverTime(t *testing.T) {
	env := newEnv(t, nil)
	// Graph still allows a TAP for a disabled account.
	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, "/v1.0/users/"+DemoAdaLovelaceID, map[string]any{"accountEnabled": false}).status)
	start := env.clock.Now().Add(2 * time.Hour)
	r := env.graph(http.MethodPost, adaTAPs, map[string]any{"startDateTime": start.Format(time.RFC3339), "lifetimeInMinutes": 60})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	tap := r.obj(t)
	assert.Equal(t, "2025-06-02T11:00:00Z", tap["startDateTime"])
	assert.Equal(t, false, tap["isUsable"])
	assert.Equal(t, "NotYetValid", tap["methodUsabilityReason"])

	reason := func() string {
		return env.graph(http.MethodGet, adaTAPs+"/"+tap["id"].(string), nil).obj(t)["methodUsabilityReason"].(string)
	}
	env.clock.Advance(2 * time.Hour)
	assert.Equal(t, "EnabledByPolicy", reason())
	env.clock.Advance(59 * time.Minute)
	assert.Equal(t, "EnabledByPolicy", reason())
	env.clock.Advance(time.Minute)
	assert.Equal(t, "Expired", reason())
	// An expired TAP is replaced silently too.
	assert.Equal(t, http.StatusCreated, env.graph(http.MethodPost, adaTAPs, map[string]any{}).status)
}

func TestDeleteTAP(t *testing.T) {
	env := newEnv(t, nil)
	id := env.graph(http.MethodPost, adaTAPs, map[string]any{}).obj(t)["id"].(string)
	r := env.graph(http.MethodDelete, adaTAPs+"/"+id, nil)
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	assert.Equal(t, http.StatusNotFound, env.graph(http.MethodDelete, adaTAPs+"/"+id, nil).status)
	assert.Equal(t, http.StatusNotFound, env.graph(http.MethodGet, adaTAPs+"/"+id, nil).status)
	assert.Empty(t, env.graph(http.MethodGet, adaTAPs, nil).obj(t)["value"])
}

func TestAuthenticationMethodsList(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoRadiaPerlmanID+"/authentication/methods", nil)
	require.Equal(t, http.StatusOK, r.status)
	body := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users('"+DemoRadiaPerlmanID+"')/authentication/methods", body["@odata.context"])
	methods := body["value"].([]any)
	require.Len(t, methods, 2)
	pw := methods[0].(map[string]any)
	assert.Equal(t, "#microsoft.graph.passwordAuthenticationMethod", pw["@odata.type"])
	assert.Equal(t, passwordMethodID, pw["id"])
	assert.Contains(t, pw, "password")
	assert.Nil(t, pw["password"])
	assert.NotEmpty(t, pw["createdDateTime"])
	fido := methods[1].(map[string]any)
	assert.Equal(t, "#microsoft.graph.fido2AuthenticationMethod", fido["@odata.type"])
	assert.Equal(t, DemoRadiaFido2ID, fido["id"])

	env.graph(http.MethodPost, "/v1.0/users/"+DemoRadiaPerlmanID+"/authentication/temporaryAccessPassMethods", map[string]any{})
	methods = env.graph(http.MethodGet, "/v1.0/users/"+DemoRadiaPerlmanID+"/authentication/methods", nil).obj(t)["value"].([]any)
	require.Len(t, methods, 3)
	tap := methods[2].(map[string]any)
	assert.Equal(t, tapType, tap["@odata.type"])
	assert.Contains(t, tap, "temporaryAccessPass")
	assert.Nil(t, tap["temporaryAccessPass"])
}

func TestPolicyConfiguration(t *testing.T) {
	env := newEnv(t, nil)
	for _, id := range []string{"TemporaryAccessPass", "temporaryAccessPass"} {
		r := env.graph(http.MethodGet, "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/"+id, nil)
		require.Equal(t, http.StatusOK, r.status)
		p := r.obj(t)
		assert.Equal(t, env.base()+"/$metadata#authenticationMethodConfigurations/$entity", p["@odata.context"])
		assert.Equal(t, "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration", p["@odata.type"])
		assert.Equal(t, "TemporaryAccessPass", p["id"])
		assert.Equal(t, "enabled", p["state"])
		assert.EqualValues(t, 8, p["defaultLength"])
		assert.EqualValues(t, 60, p["defaultLifetimeInMinutes"])
		assert.EqualValues(t, 60, p["minimumLifetimeInMinutes"])
		assert.EqualValues(t, 480, p["maximumLifetimeInMinutes"])
		assert.Equal(t, false, p["isUsableOnce"])
		assert.Equal(t, []any{map[string]any{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}}, p["includeTargets"])
		assert.Equal(t, []any{}, p["excludeTargets"])
	}
	r := env.graph(http.MethodGet, "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	assert.NotEmpty(t, r.errCode(t))
}

func TestNewPassAlphabetAndLength(t *testing.T) {
	for _, n := range []int{8, 48} {
		p, err := newPass(n)
		require.NoError(t, err)
		assert.Len(t, p, n)
	}
}

func TestConcurrentTAPCreatesKeepOneTAP(t *testing.T) {
	env := newEnv(t, nil)
	const n = 8
	done := make(chan int, n)
	for i := 0; i < n; i++ {
		go func() {
			r, err := http.NewRequest(http.MethodPost, env.srv.URL+adaTAPs, strings.NewReader(`{}`))
			if err != nil {
				done <- 0
				return
			}
			r.Header.Set("Authorization", "Bearer x")
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				done <- 0
				return
			}
			_ = res.Body.Close()
			done <- res.StatusCode
		}()
	}
	for i := 0; i < n; i++ {
		assert.Equal(t, http.StatusCreated, <-done)
	}
	assert.Len(t, env.emu.IssuedPasses(DemoAdaLovelaceID), n)
	assert.Len(t, env.graph(http.MethodGet, adaTAPs, nil).obj(t)["value"], 1)
}
