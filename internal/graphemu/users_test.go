package graphemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetUserDefaultProperties(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	u := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users/$entity", u["@odata.context"])
	assert.Equal(t, DemoAdaLovelaceID, u["id"])
	assert.Equal(t, "Ada Lovelace", u["displayName"])
	assert.Equal(t, "ada.lovelace@contoso.example", u["userPrincipalName"])
	assert.Equal(t, "ada.lovelace@contoso.example", u["mail"])
	assert.Equal(t, "en-GB", u["preferredLanguage"])
	assert.Equal(t, []any{}, u["businessPhones"])
	assert.Contains(t, u, "jobTitle")
	assert.NotContains(t, u, "accountEnabled")
	assert.NotContains(t, u, "employeeId")
}

func TestGetUserSelectAndUPN(t *testing.T) {
	env := newEnv(t, nil)
	// The SDK escapes '$' and '@'; UPNs match case-insensitively.
	r := env.graph(http.MethodGet, "/v1.0/users/Ada.Lovelace%40contoso.example?%24select=id,displayName,mail,accountEnabled,employeeId", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	u := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users(id,displayName,mail,accountEnabled,employeeId)/$entity", u["@odata.context"])
	assert.Equal(t, true, u["accountEnabled"])
	assert.Equal(t, "E1001", u["employeeId"])
	assert.NotContains(t, u, "userPrincipalName")

	r = env.graph(http.MethodGet, "/v1.0/users/"+DemoLinusPaulingID+"?$select=mail", nil)
	require.Equal(t, http.StatusOK, r.status)
	m := r.obj(t)
	assert.Contains(t, m, "mail")
	assert.Nil(t, m["mail"])

	r = env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$select=shoeSize", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "shoeSize")
}

func TestPatchUser(t *testing.T) {
	env := newEnv(t, nil)
	path := "/v1.0/users/" + DemoAdaLovelaceID
	r := env.graph(http.MethodPatch, path, map[string]any{"@odata.type": "#microsoft.graph.user", "accountEnabled": false})
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	assert.Equal(t, false, env.graph(http.MethodGet, path+"?$select=accountEnabled", nil).obj(t)["accountEnabled"])

	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, path, map[string]any{"displayName": "Ada King"}).status)
	assert.Equal(t, "Ada King", env.graph(http.MethodGet, path, nil).obj(t)["displayName"])

	r = env.graph(http.MethodPatch, path, map[string]any{"favouriteColour": "green"})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "Request_BadRequest", r.errCode(t))
	assert.Equal(t, "Invalid property 'favouriteColour'.", r.errMessage(t))

	r = env.graph(http.MethodPatch, path, `{"accountEnabled":`)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "BadRequest", r.errCode(t))

	r = env.graph(http.MethodPatch, path, map[string]any{"accountEnabled": "no"})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "BadRequest", r.errCode(t))

	r = env.graph(http.MethodPatch, "/v1.0/users/ghost@contoso.example", map[string]any{"accountEnabled": false})
	require.Equal(t, http.StatusNotFound, r.status)
}

func TestManager(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/manager", nil)
	require.Equal(t, http.StatusOK, r.status)
	m := r.obj(t)
	assert.Equal(t, "#microsoft.graph.user", m["@odata.type"])
	assert.Equal(t, env.base()+"/$metadata#directoryObjects/$entity", m["@odata.context"])
	assert.Equal(t, DemoGraceHopperID, m["id"])
	assert.Equal(t, "grace.hopper@contoso.example", m["mail"])

	// A manager without a mailbox has mail null.
	r = env.graph(http.MethodGet, "/v1.0/users/dorothy.vaughan@contoso.example/manager", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Nil(t, r.obj(t)["mail"])

	r = env.graph(http.MethodGet, "/v1.0/users/"+DemoHelpdeskID+"/manager", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "Request_ResourceNotFound", r.errCode(t))
	assert.Equal(t, "Resource 'manager' does not exist or one of its queried reference-property objects are not present.", r.errMessage(t))
}

func TestManagerByUPNReference(t *testing.T) {
	env := newEnv(t, &Seed{Users: []SeedUser{
		{UserPrincipalName: "boss@x.example", Mail: "boss@x.example"},
		{UserPrincipalName: "worker@x.example", ManagerID: "BOSS@x.example"},
	}})
	r := env.graph(http.MethodGet, "/v1.0/users/worker@x.example/manager", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "boss@x.example", r.obj(t)["userPrincipalName"])
}

func TestRevokeSignInSessions(t *testing.T) {
	env := newEnv(t, nil)
	assert.Nil(t, env.ctl(http.MethodGet, "/_emulator/users/"+DemoAdaLovelaceID, nil).obj(t)["sessionsRevokedAt"])
	r := env.graph(http.MethodPost, "/v1.0/users/"+DemoAdaLovelaceID+"/revokeSignInSessions", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, map[string]any{"@odata.context": env.base() + "/$metadata#Edm.Boolean", "value": true}, r.obj(t))
	v := env.ctl(http.MethodGet, "/_emulator/users/"+DemoAdaLovelaceID, nil).obj(t)
	assert.Equal(t, "2025-06-02T09:00:00Z", v["sessionsRevokedAt"])
}

func TestMemberOfPaging(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoMargaretID+"/transitiveMemberOf", nil)
	require.Equal(t, http.StatusOK, r.status)
	all := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#directoryObjects", all["@odata.context"])
	require.Len(t, all["value"], 3)
	assert.NotContains(t, all, "@odata.nextLink")
	role := all["value"].([]any)[0].(map[string]any)
	assert.Equal(t, "#microsoft.graph.directoryRole", role["@odata.type"])
	assert.Equal(t, "Global Administrator", role["displayName"])
	assert.Equal(t, "62e90394-69f5-4237-9190-012177145e10", role["roleTemplateId"])

	var seen []any
	next := "/v1.0/users/" + DemoMargaretID + "/memberOf?$top=1"
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 5)
		p := env.graph(http.MethodGet, next, nil)
		require.Equal(t, http.StatusOK, p.status, string(p.body))
		body := p.obj(t)
		require.Len(t, body["value"], 1)
		seen = append(seen, body["value"].([]any)...)
		next = ""
		if link, ok := body["@odata.nextLink"].(string); ok {
			require.True(t, strings.HasPrefix(link, env.base()+"/users/"), link)
			assert.Contains(t, link, "$skiptoken=")
			next = strings.TrimPrefix(link, env.srv.URL)
		}
	}
	assert.Equal(t, all["value"], seen)
	g := seen[1].(map[string]any)
	assert.Equal(t, "#microsoft.graph.group", g["@odata.type"])
	assert.Equal(t, DemoAllStaffGroupID, g["id"])
	assert.Equal(t, DemoAllStaffGroupID, g["displayName"])

	r = env.graph(http.MethodGet, "/v1.0/users/"+DemoMargaretID+"/memberOf?$skiptoken=garbage", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
}
