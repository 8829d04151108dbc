package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContactAsManager(t *testing.T) {
	env := newEnv(t, nil)
	r := env.ctl(http.MethodPost, "/_emulator/contacts", map[string]any{"displayName": "Agency Lead", "mail": "lead@agency.example"})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	c := r.obj(t)
	cid := c["id"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, cid)
	assert.Equal(t, []map[string]any{c}, env.ctl(http.MethodGet, "/_emulator/contacts", nil).arr(t))

	r = env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "temp@contoso.example", "managerId": cid})
	require.Equal(t, http.StatusCreated, r.status)
	assert.Equal(t, cid, r.obj(t)["managerId"])

	m := env.graph(http.MethodGet, "/v1.0/users/temp@contoso.example/manager", nil)
	require.Equal(t, http.StatusOK, m.status, string(m.body))
	assert.Equal(t, map[string]any{"@odata.context": env.base() + "/$metadata#directoryObjects/$entity",
		"@odata.type": "#microsoft.graph.orgContact", "id": cid, "displayName": "Agency Lead", "mail": "lead@agency.example"}, m.obj(t))

	u := env.graph(http.MethodGet, "/v1.0/users/temp@contoso.example?$select=id&$expand=manager($select=id,mail,userPrincipalName,preferredLanguage)", nil)
	require.Equal(t, http.StatusOK, u.status, string(u.body))
	assert.Equal(t, map[string]any{"@odata.type": "#microsoft.graph.orgContact", "id": cid, "mail": "lead@agency.example"},
		u.obj(t)["manager"], "user properties a contact lacks are left out")

	r = env.graph(http.MethodGet, "/v1.0/users/temp@contoso.example/manager?$select=shoeSize", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "shoeSize")

	// A user manager still comes as a user.
	u = env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$expand=manager($select=id)", nil)
	assert.Equal(t, map[string]any{"@odata.type": "#microsoft.graph.user", "id": DemoGraceHopperID}, u.obj(t)["manager"])
}

func TestContactValidationAndSeed(t *testing.T) {
	env := newEnv(t, nil)
	for _, body := range []map[string]any{{"mail": "x@y.example"}, {"displayName": "x", "phone": "1"}, {"displayName": "x", "id": DemoAdaLovelaceID}} {
		r := env.ctl(http.MethodPost, "/_emulator/contacts", body)
		require.Equal(t, http.StatusBadRequest, r.status, body)
		assert.NotEmpty(t, r.errMessage(t))
	}

	seed := &Seed{
		Users:    []SeedUser{{UserPrincipalName: "w@x.example", ManagerID: "c-1"}},
		Contacts: []SeedContact{{ID: "c-1", DisplayName: "Vendor Manager"}},
	}
	require.NoError(t, seed.Validate())
	env = newEnv(t, seed)
	m := env.graph(http.MethodGet, "/v1.0/users/w@x.example/manager", nil)
	require.Equal(t, http.StatusOK, m.status)
	assert.Equal(t, "#microsoft.graph.orgContact", m.obj(t)["@odata.type"])
	assert.Nil(t, m.obj(t)["mail"], "a contact without mail has mail null")
	require.Error(t, (&Seed{Contacts: []SeedContact{{ID: "c"}}}).Validate())
}
