package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserTypeAndExtensionAttributes(t *testing.T) {
	env := newEnv(t, &Seed{})
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{
		"userPrincipalName": "guest_x.example#EXT#@contoso.example", "userType": "Guest",
		"onPremisesExtensionAttributes": map[string]string{"extensionAttribute1": "contractor", "extensionAttribute15": "E9"},
	})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	v := r.obj(t)
	id := v["id"].(string)
	assert.Equal(t, "Guest", v["userType"])
	assert.Equal(t, map[string]any{"extensionAttribute1": "contractor", "extensionAttribute15": "E9"}, v["onPremisesExtensionAttributes"])

	u := env.graph(http.MethodGet, "/v1.0/users/"+id+"?$select=id,userType,onPremisesExtensionAttributes", nil).obj(t)
	assert.Equal(t, "Guest", u["userType"])
	ext := u["onPremisesExtensionAttributes"].(map[string]any)
	assert.Len(t, ext, 15)
	assert.Equal(t, "contractor", ext["extensionAttribute1"])
	assert.Equal(t, "E9", ext["extensionAttribute15"])
	assert.Contains(t, ext, "extensionAttribute7")
	assert.Nil(t, ext["extensionAttribute7"])

	r = env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "member@contoso.example"})
	require.Equal(t, http.StatusCreated, r.status)
	assert.Equal(t, "Member", r.obj(t)["userType"])
	assert.Equal(t, "Member", env.graph(http.MethodGet, "/v1.0/users/member@contoso.example?$select=userType", nil).obj(t)["userType"])
}

func TestUserFieldValidation(t *testing.T) {
	env := newEnv(t, &Seed{})
	for field, body := range map[string]map[string]any{
		"userType":                      {"userType": "Visitor"},
		"onPremisesExtensionAttributes": {"onPremisesExtensionAttributes": map[string]string{"extensionAttribute16": "x"}},
		"eligibleRoles":                 {"eligibleRoles": []string{""}},
		"administrativeUnitId":          {"scopedRoles": []map[string]string{{"role": "User Administrator"}}},
	} {
		body["userPrincipalName"] = "x@contoso.example"
		r := env.ctl(http.MethodPost, "/_emulator/users", body)
		require.Equal(t, http.StatusBadRequest, r.status, field)
		assert.Contains(t, r.errMessage(t), field)
	}
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "x@contoso.example", "extAttrs": map[string]string{}})
	require.Equal(t, http.StatusBadRequest, r.status, "unknown fields are refused")

	seed := &Seed{Users: []SeedUser{{UserPrincipalName: "a@b.example", UserType: "guest"}, {UserPrincipalName: "c@b.example", UserType: "alien"}}}
	err := seed.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "users[1]: userType")
}

func TestControlViewShowsRoles(t *testing.T) {
	env := newEnv(t, &Seed{})
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{
		"userPrincipalName": "admin@contoso.example", "eligibleRoles": []string{"Global Administrator"},
		"scopedRoles": []map[string]string{{"role": "User Administrator", "administrativeUnitId": "au-1"}},
	})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	v := r.obj(t)
	assert.Equal(t, []any{"Global Administrator"}, v["eligibleRoles"])
	assert.Equal(t, []any{map[string]any{"role": "User Administrator", "administrativeUnitId": "au-1"}}, v["scopedRoles"])
	assert.Equal(t, []any{}, v["directoryRoles"])

	// Eligible and scoped roles are not tenant-wide memberships: memberOf does not list them.
	m := env.graph(http.MethodGet, "/v1.0/users/admin@contoso.example/transitiveMemberOf", nil).obj(t)
	assert.Empty(t, m["value"])
}

func TestDemoGuestAndEligibleUsers(t *testing.T) {
	env := newEnv(t, nil)
	u := env.graph(http.MethodGet, "/v1.0/users/"+DemoHedyLamarrID+"?$select=userType,mail", nil).obj(t)
	assert.Equal(t, "Guest", u["userType"])
	assert.Equal(t, "hedy.lamarr@fabrikam.example", u["mail"])
	u = env.graph(http.MethodGet, "/v1.0/users/hedy.lamarr_fabrikam.example%23EXT%23%40contoso.example?$select=id", nil).obj(t)
	assert.Equal(t, DemoHedyLamarrID, u["id"])
	assert.Equal(t, "Member", env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$select=userType", nil).obj(t)["userType"])

	r := env.graph(http.MethodGet, "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	value := r.obj(t)["value"].([]any)
	require.Len(t, value, 1)
	inst := value[0].(map[string]any)
	assert.Equal(t, DemoBarbaraLiskovID, inst["principalId"])
	assert.Equal(t, "62e90394-69f5-4237-9190-012177145e10", inst["roleDefinitionId"])
}
