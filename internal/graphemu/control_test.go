package graphemu

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestControlAddAndGetUser(t *testing.T) {
	env := newEnv(t, &Seed{})
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{
		"userPrincipalName": "new.hire@contoso.example", "displayName": "New Hire", "mail": "new.hire@contoso.example",
		"accountEnabled": false, "employeeId": "E2000", "directoryRoles": []string{"Helpdesk Administrator"},
		"groups": []string{"g1"},
	})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	v := r.obj(t)
	id := v["id"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	assert.Equal(t, false, v["accountEnabled"])
	assert.Equal(t, []any{}, v["methods"])
	assert.Nil(t, v["temporaryAccessPass"])
	assert.Equal(t, []any{}, v["issuedPasses"])
	assert.Nil(t, v["sessionsRevokedAt"])

	got := env.graph(http.MethodGet, "/v1.0/users/new.hire@contoso.example?$select=id,accountEnabled,employeeId", nil).obj(t)
	assert.Equal(t, id, got["id"])
	assert.Equal(t, false, got["accountEnabled"])

	for _, body := range []map[string]any{{"displayName": "No UPN"}, {"userPrincipalName": "NEW.HIRE@contoso.example"}, {"userPrincipalName": "x@y", "id": id}} {
		r = env.ctl(http.MethodPost, "/_emulator/users", body)
		require.Equal(t, http.StatusBadRequest, r.status, body)
		assert.NotEmpty(t, r.errMessage(t))
	}
	assert.Contains(t, env.ctl(http.MethodPost, "/_emulator/users", map[string]any{}).errMessage(t), "userPrincipalName")
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/users", nil).arr(t), 1)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodGet, "/_emulator/users/ghost", nil).status)
}

func TestControlMethods(t *testing.T) {
	env := newEnv(t, nil)
	base := "/_emulator/users/" + DemoAdaLovelaceID + "/methods"
	r := env.ctl(http.MethodPost, base, map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "displayName": "YubiKey"})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	m := r.obj(t)
	assert.NotEmpty(t, m["id"])
	assert.Equal(t, "2025-06-02T09:00:00Z", m["createdDateTime"])

	methods := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/authentication/methods", nil).obj(t)["value"].([]any)
	require.Len(t, methods, 2)
	assert.Equal(t, "YubiKey", methods[1].(map[string]any)["displayName"])
	view := env.ctl(http.MethodGet, "/_emulator/users/ada.lovelace@contoso.example", nil).obj(t)
	assert.Len(t, view["methods"], 1)

	for _, body := range []map[string]any{{"displayName": "x"}, {"@odata.type": "#microsoft.graph.fido2"}, {"@odata.type": "fido2AuthenticationMethod"}, {"@odata.type": tapType}} {
		r = env.ctl(http.MethodPost, base, body)
		require.Equal(t, http.StatusBadRequest, r.status, body)
		assert.Contains(t, r.errMessage(t), "@odata.type")
	}
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, base+"/"+m["id"].(string), nil).status)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodDelete, base+"/"+m["id"].(string), nil).status)
	assert.Len(t, env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/authentication/methods", nil).obj(t)["value"], 1)
}

func TestControlPolicyValidation(t *testing.T) {
	env := newEnv(t, nil)
	assert.Equal(t, DefaultPolicy().MaximumLifetimeInMinutes, int(env.ctl(http.MethodGet, "/_emulator/policy", nil).obj(t)["maximumLifetimeInMinutes"].(float64)))
	mutate := map[string]func(p *TAPPolicy){
		"state":                    func(p *TAPPolicy) { p.State = "on" },
		"defaultLength":            func(p *TAPPolicy) { p.DefaultLength = 7 },
		"minimumLifetimeInMinutes": func(p *TAPPolicy) { p.MinimumLifetimeInMinutes = 5 },
		"maximumLifetimeInMinutes": func(p *TAPPolicy) { p.MaximumLifetimeInMinutes = 50000 },
		"defaultLifetimeInMinutes": func(p *TAPPolicy) { p.DefaultLifetimeInMinutes = 500 },
	}
	for field, f := range mutate {
		p := DefaultPolicy()
		f(&p)
		r := env.ctl(http.MethodPut, "/_emulator/policy", p)
		require.Equal(t, http.StatusBadRequest, r.status, field)
		assert.Contains(t, r.errMessage(t), field)
	}
	p := DefaultPolicy()
	p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes = 10, 43200, 1440
	r := env.ctl(http.MethodPut, "/_emulator/policy", p)
	require.Equal(t, http.StatusOK, r.status)
	assert.EqualValues(t, 1440, r.obj(t)["defaultLifetimeInMinutes"])
	tap := env.graph(http.MethodPost, adaTAPs, map[string]any{}).obj(t)
	assert.EqualValues(t, 1440, tap["lifetimeInMinutes"])
}

func TestControlVerifyTAP(t *testing.T) {
	env := newEnv(t, nil)
	verify := func(pass string) map[string]any {
		r := env.ctl(http.MethodPost, "/_emulator/users/"+DemoAdaLovelaceID+"/tap/verify", map[string]any{"pass": pass})
		require.Equal(t, http.StatusOK, r.status)
		return r.obj(t)
	}
	assert.Equal(t, false, verify("whatever")["valid"])

	first := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": true}).obj(t)["temporaryAccessPass"].(string)
	second := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": true}).obj(t)["temporaryAccessPass"].(string)
	assert.Equal(t, false, verify(first)["valid"], "a replaced pass is no longer valid")
	assert.Equal(t, map[string]any{"valid": true, "usable": true, "reason": "EnabledByPolicy"}, verify(second))
	assert.Equal(t, map[string]any{"valid": true, "usable": false, "reason": "OneTimeUsed"}, verify(second))
	view := env.ctl(http.MethodGet, "/_emulator/users/"+DemoAdaLovelaceID, nil).obj(t)
	tap := view["temporaryAccessPass"].(map[string]any)
	assert.Equal(t, "OneTimeUsed", tap["methodUsabilityReason"])
	assert.NotContains(t, tap, "temporaryAccessPass")
	assert.Equal(t, []any{first, second}, view["issuedPasses"])
	assert.Equal(t, []string{first, second}, env.emu.IssuedPasses(DemoAdaLovelaceID))

	multi := env.graph(http.MethodPost, adaTAPs, map[string]any{"lifetimeInMinutes": 60}).obj(t)["temporaryAccessPass"].(string)
	assert.Equal(t, true, verify(multi)["usable"])
	assert.Equal(t, true, verify(multi)["usable"], "a multi-use pass stays usable")
	env.clock.Advance(61 * time.Minute)
	assert.Equal(t, map[string]any{"valid": true, "usable": false, "reason": "Expired"}, verify(multi))
}

func TestControlReset(t *testing.T) {
	env := newEnv(t, nil)
	env.graph(http.MethodPost, adaTAPs, map[string]any{})
	env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "temp@contoso.example"})
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"status": 500})
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	assert.Empty(t, env.emu.IssuedPasses(DemoAdaLovelaceID))
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/users", nil).arr(t), len(DemoSeed().Users))
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/faults", nil).arr(t))
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t))
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, "/v1.0/users/"+DemoRadiaPerlmanID, nil).status)
}

func TestSeedsAndLoadSeed(t *testing.T) {
	demo := DemoSeed()
	require.NoError(t, demo.Validate())
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"users":[{"userPrincipalName":"a@b.example","methods":[{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+1 5555550100","phoneType":"mobile"}]}],
		"policy":{"state":"enabled","defaultLength":10,"defaultLifetimeInMinutes":60,"minimumLifetimeInMinutes":10,"maximumLifetimeInMinutes":120,"isUsableOnce":true,"includeTargets":[{"targetType":"group","id":"all_users"}]}}`), 0o600))
	s, err := LoadSeed(good)
	require.NoError(t, err)
	require.Len(t, s.Users, 1)
	assert.Equal(t, 10, s.Policy.DefaultLength)

	env := newEnv(t, s)
	tap := env.graph(http.MethodPost, "/v1.0/users/a@b.example/authentication/temporaryAccessPassMethods", nil).obj(t)
	assert.Len(t, tap["temporaryAccessPass"], 10)
	assert.Equal(t, true, tap["isUsableOnce"])

	for name, content := range map[string]string{
		"syntax.json": `{"users":[`,
		"dup.json":    `{"users":[{"userPrincipalName":"a@b"},{"userPrincipalName":"A@b"}]}`,
		"noupn.json":  `{"users":[{"displayName":"x"}]}`,
		"typo.json":   `{"userz":[]}`,
		"policy.json": `{"users":[],"policy":{"state":"maybe"}}`,
		"method.json": `{"users":[{"userPrincipalName":"a@b","methods":[{"id":"1"}]}]}`,
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := LoadSeed(path)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
	_, err = LoadSeed(filepath.Join(dir, "missing.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.json")
}

func TestSeedIsCopied(t *testing.T) {
	seed := DemoSeed()
	env := newEnv(t, seed)
	seed.Users[0].DisplayName = "Changed"
	seed.Users[9].Methods[0]["displayName"] = "Changed"
	assert.Equal(t, "Grace Hopper", env.graph(http.MethodGet, "/v1.0/users/"+DemoGraceHopperID, nil).obj(t)["displayName"])
	m := env.graph(http.MethodGet, "/v1.0/users/"+DemoRadiaPerlmanID+"/authentication/methods", nil).obj(t)["value"].([]any)
	assert.Equal(t, "Radia's security key", m[1].(map[string]any)["displayName"])
}
