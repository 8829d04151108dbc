package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDomainsDefaultAndReplace(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/domains", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	body := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#domains", body["@odata.context"])
	value := body["value"].([]any)
	require.Len(t, value, 1)
	d := value[0].(map[string]any)
	for k, v := range map[string]any{"id": "contoso.example", "isVerified": true, "isDefault": true, "isInitial": false,
		"authenticationType": "Managed", "supportedServices": []any{"Email"}} {
		assert.Equal(t, v, d[k], k)
	}

	r = env.ctl(http.MethodPut, "/_emulator/domains", map[string]any{"domains": []map[string]any{
		{"id": "Contoso.Example", "isVerified": true}, {"id": "fabrikam.example"}, {"id": "contoso.onmicrosoft.example", "isVerified": true, "isInitial": true},
	}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	got := env.ctl(http.MethodGet, "/_emulator/domains", nil).obj(t)["domains"].([]any)
	require.Len(t, got, 3)
	assert.Equal(t, "contoso.example", got[0].(map[string]any)["id"])
	assert.Equal(t, true, got[0].(map[string]any)["isDefault"], "the first verified domain becomes the default")

	sel := env.graph(http.MethodGet, "/v1.0/domains?$select=id,isVerified", nil).obj(t)
	assert.Equal(t, env.base()+"/$metadata#domains(id,isVerified)", sel["@odata.context"])
	assert.Equal(t, []any{
		map[string]any{"id": "contoso.example", "isVerified": true},
		map[string]any{"id": "fabrikam.example", "isVerified": false},
		map[string]any{"id": "contoso.onmicrosoft.example", "isVerified": true},
	}, sel["value"])
	unverified := env.graph(http.MethodGet, "/v1.0/domains", nil).obj(t)["value"].([]any)[1].(map[string]any)
	assert.Equal(t, []any{}, unverified["supportedServices"])
	assert.Equal(t, http.StatusBadRequest, env.graph(http.MethodGet, "/v1.0/domains?$select=shoeSize", nil).status)

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	assert.Len(t, env.graph(http.MethodGet, "/v1.0/domains", nil).obj(t)["value"], 1, "a reset restores the default")
}

func TestDomainsValidation(t *testing.T) {
	env := newEnv(t, nil)
	for want, body := range map[string]any{
		"domains is required":   map[string]any{},
		"domains[0].id":         map[string]any{"domains": []map[string]any{{"isVerified": true}}},
		"duplicates domains[0]": map[string]any{"domains": []map[string]any{{"id": "a.example"}, {"id": "A.example"}}},
		"isDefault":             map[string]any{"domains": []map[string]any{{"id": "a.example", "isDefault": true}, {"id": "b.example", "isDefault": true}}},
		"authenticationType":    map[string]any{"domains": []map[string]any{{"id": "a.example", "authenticationType": "Magic"}}},
		"unknown field":         map[string]any{"domains": []map[string]any{{"id": "a.example", "verified": true}}},
		"not a domain name":     map[string]any{"domains": []map[string]any{{"id": "user@a.example"}}},
		"invalid domains":       `{"domains":`,
	} {
		r := env.ctl(http.MethodPut, "/_emulator/domains", body)
		require.Equal(t, http.StatusBadRequest, r.status, want)
		assert.Contains(t, r.errMessage(t), want)
	}
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/domains", nil).obj(t)["domains"], 1, "a refused PUT changes nothing")

	r := env.ctl(http.MethodPut, "/_emulator/domains", map[string]any{"domains": []any{}})
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, []any{}, env.graph(http.MethodGet, "/v1.0/domains", nil).obj(t)["value"])
}

func TestSeedDomainsAndPermission(t *testing.T) {
	seed := &Seed{Domains: []Domain{{ID: "Fabrikam.Example", IsVerified: true}}}
	require.NoError(t, seed.Validate())
	env := newEnv(t, seed)
	d := env.graph(http.MethodGet, "/v1.0/domains", nil).obj(t)["value"].([]any)[0].(map[string]any)
	assert.Equal(t, "fabrikam.example", d["id"])
	assert.Equal(t, true, d["isDefault"])
	require.Error(t, (&Seed{Domains: []Domain{{ID: ""}}}).Validate())

	env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All"}})
	r := env.graph(http.MethodGet, "/v1.0/domains", nil)
	require.Equal(t, http.StatusForbidden, r.status)
	env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"Domain.Read.All"}})
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, "/v1.0/domains", nil).status)
}
