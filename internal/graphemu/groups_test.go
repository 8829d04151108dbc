package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestControlAddGroupAndMembership(t *testing.T) {
	env := newEnv(t, nil)
	r := env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{
		"displayName": "Tier 0 admins", "isAssignableToRole": true, "roles": []string{"Privileged Role Administrator"},
		"eligibleRoles": []string{"Global Administrator"}, "members": []string{DemoAdaLovelaceID, "katherine.johnson@contoso.example"},
	})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	g := r.obj(t)
	gid := g["id"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, gid)
	assert.Equal(t, true, g["isAssignableToRole"])
	assert.Equal(t, []any{DemoAdaLovelaceID, DemoKatherineID}, g["members"])
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/groups", nil).arr(t), 1)
	assert.Contains(t, env.ctl(http.MethodGet, "/_emulator/users/"+DemoAdaLovelaceID, nil).obj(t)["groups"], gid)

	direct := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/memberOf", nil).obj(t)["value"].([]any)
	require.Len(t, direct, 3, "All Staff, New Joiners and the new group; no role")
	obj := direct[2].(map[string]any)
	assert.Equal(t, "#microsoft.graph.group", obj["@odata.type"])
	assert.Equal(t, gid, obj["id"])
	assert.Equal(t, "Tier 0 admins", obj["displayName"])
	assert.Equal(t, true, obj["isAssignableToRole"])

	trans := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/transitiveMemberOf", nil).obj(t)["value"].([]any)
	require.Len(t, trans, 4)
	role := trans[0].(map[string]any)
	assert.Equal(t, "#microsoft.graph.directoryRole", role["@odata.type"])
	assert.Equal(t, "Privileged Role Administrator", role["displayName"])
	assert.Equal(t, "e8611ab8-c189-46e8-94e1-60213ab1f814", role["roleTemplateId"])
	for _, o := range trans {
		assert.NotEqual(t, "Global Administrator", o.(map[string]any)["displayName"], "eligible roles are not memberships")
	}

	// A role held directly and through a group is listed once.
	env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{
		"displayName": "GA", "isAssignableToRole": true, "roles": []string{"global administrator"}, "members": []string{DemoMargaretID}})
	trans = env.graph(http.MethodGet, "/v1.0/users/"+DemoMargaretID+"/transitiveMemberOf", nil).obj(t)["value"].([]any)
	assert.Len(t, trans, 4, "Global Administrator once, three groups")
}

func TestControlAddGroupValidation(t *testing.T) {
	env := newEnv(t, nil)
	for want, body := range map[string]map[string]any{
		"members[1]":         {"displayName": "x", "members": []string{DemoAdaLovelaceID, "ghost@contoso.example"}},
		"isAssignableToRole": {"displayName": "x", "roles": []string{"Global Administrator"}},
		"displayName":        {"members": []string{DemoAdaLovelaceID}},
		"unknown field":      {"displayName": "x", "owners": []string{}},
	} {
		r := env.ctl(http.MethodPost, "/_emulator/groups", body)
		require.Equal(t, http.StatusBadRequest, r.status, want)
		assert.Contains(t, r.errMessage(t), want)
	}
	r := env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "x", "eligibleRoles": []string{"Global Reader"}})
	require.Equal(t, http.StatusBadRequest, r.status, "eligibility needs a role-assignable group too")
	assert.Empty(t, env.ctl(http.MethodGet, "/_emulator/groups", nil).arr(t))
	assert.NotContains(t, env.ctl(http.MethodGet, "/_emulator/users/"+DemoAdaLovelaceID, nil).obj(t)["groups"], "x")
}

func TestSeedGroupsSurviveReset(t *testing.T) {
	seed := &Seed{
		Users: []SeedUser{{UserPrincipalName: "a@x.example"}, {UserPrincipalName: "b@x.example", Groups: []string{"g-helpdesk"}}},
		Groups: []SeedGroup{{ID: "g-helpdesk", DisplayName: "Helpdesk", IsAssignableToRole: true,
			Roles: []string{"Helpdesk Administrator"}, Members: []string{"a@x.example"}}},
	}
	require.NoError(t, seed.Validate())
	env := newEnv(t, seed)
	env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "temp"})
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	groups := env.ctl(http.MethodGet, "/_emulator/groups", nil).arr(t)
	require.Len(t, groups, 1)
	assert.ElementsMatch(t, []any{env.ctl(http.MethodGet, "/_emulator/users/a@x.example", nil).obj(t)["id"],
		env.ctl(http.MethodGet, "/_emulator/users/b@x.example", nil).obj(t)["id"]}, groups[0]["members"])
	trans := env.graph(http.MethodGet, "/v1.0/users/b@x.example/transitiveMemberOf", nil).obj(t)["value"].([]any)
	require.Len(t, trans, 2)
	assert.Equal(t, "Helpdesk Administrator", trans[0].(map[string]any)["displayName"])
	assert.Equal(t, "Helpdesk", trans[1].(map[string]any)["displayName"])

	bad := &Seed{Users: seed.Users, Groups: []SeedGroup{{DisplayName: "G", Members: []string{"nobody@x.example"}}}}
	err := bad.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "groups[0].members[0]")
}
