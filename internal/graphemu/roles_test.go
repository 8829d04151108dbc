package graphemu

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	assignmentsPath = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances"
	eligibilityPath = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances"
)

// rolesSeed has a tenant-wide admin, an admin scoped to an administrative unit, an eligible user and a
// role-assignable group holding an active and an eligible role.
func rolesSeed() *Seed {
	return &Seed{
		Users: []SeedUser{
			{ID: "u-ga", UserPrincipalName: "ga@x.example", DirectoryRoles: []string{"Global Administrator"}},
			{ID: "u-au", UserPrincipalName: "au@x.example",
				ScopedRoles: []ScopedRole{{Role: "User Administrator", AdministrativeUnitID: "au-emea"}}},
			{ID: "u-pim", UserPrincipalName: "pim@x.example", EligibleRoles: []string{"Privileged Role Administrator"}},
			{ID: "u-grp", UserPrincipalName: "grp@x.example"},
		},
		Groups: []SeedGroup{{ID: "g-sec", DisplayName: "Security", IsAssignableToRole: true,
			Roles: []string{"Security Administrator"}, EligibleRoles: []string{"Global Administrator"},
			Members: []string{"grp@x.example", "u-ga"}}},
	}
}

// instances lists the value of a role instance list, requiring 200.
func instances(t *testing.T, env *testEnv, path string) []map[string]any {
	t.Helper()
	r := env.graph(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var out []map[string]any
	for _, v := range r.obj(t)["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestRoleAssignmentScheduleInstances(t *testing.T) {
	env := newEnv(t, rolesSeed())
	r := env.graph(http.MethodGet, assignmentsPath, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, env.base()+"/$metadata#roleManagement/directory/roleAssignmentScheduleInstances", r.obj(t)["@odata.context"])
	all := instances(t, env, assignmentsPath)
	require.Len(t, all, 4)
	ga := all[0]
	assert.Equal(t, "u-ga", ga["principalId"])
	assert.Equal(t, "62e90394-69f5-4237-9190-012177145e10", ga["roleDefinitionId"])
	assert.Equal(t, "/", ga["directoryScopeId"])
	assert.Equal(t, "Direct", ga["memberType"])
	assert.Equal(t, "Assigned", ga["assignmentType"])
	assert.Equal(t, "2025-06-02T09:00:00Z", ga["startDateTime"])
	for _, k := range []string{"appScopeId", "endDateTime"} {
		assert.Contains(t, ga, k)
		assert.Nil(t, ga[k])
	}
	assert.NotEmpty(t, ga["id"])
	assert.NotEmpty(t, ga["roleAssignmentOriginId"])
	assert.NotEmpty(t, ga["roleAssignmentScheduleId"])

	viaGroup := all[1]
	assert.Equal(t, "u-ga", viaGroup["principalId"])
	assert.Equal(t, "Group", viaGroup["memberType"])
	assert.Equal(t, "194ae4cb-b126-40b2-bd5b-6091b380977d", viaGroup["roleDefinitionId"])
	assert.Equal(t, "/administrativeUnits/au-emea", all[2]["directoryScopeId"])
	assert.Equal(t, "u-au", all[2]["principalId"])
	assert.Equal(t, "u-grp", all[3]["principalId"])
	assert.Equal(t, viaGroup["roleAssignmentOriginId"], all[3]["roleAssignmentOriginId"], "one group assignment")
	assert.NotEqual(t, viaGroup["id"], all[3]["id"])

	again := instances(t, env, assignmentsPath)
	assert.Equal(t, all, again, "ids are stable")

	filter := "?$filter=" + url.QueryEscape("principalId eq 'u-grp'")
	only := instances(t, env, assignmentsPath+filter)
	require.Len(t, only, 1)
	assert.Equal(t, "Group", only[0]["memberType"])
}

func TestRoleEligibilityScheduleInstances(t *testing.T) {
	env := newEnv(t, rolesSeed())
	r := env.graph(http.MethodGet, eligibilityPath, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, env.base()+"/$metadata#roleManagement/directory/roleEligibilityScheduleInstances", r.obj(t)["@odata.context"])
	all := instances(t, env, eligibilityPath)
	require.Len(t, all, 3, "u-ga and u-grp through the group, u-pim directly")
	pim := all[1]
	assert.Equal(t, "u-pim", pim["principalId"])
	assert.Equal(t, "Direct", pim["memberType"])
	assert.Equal(t, "e8611ab8-c189-46e8-94e1-60213ab1f814", pim["roleDefinitionId"])
	assert.NotEmpty(t, pim["roleEligibilityScheduleId"])
	assert.NotContains(t, pim, "assignmentType")
	assert.Equal(t, "Group", all[2]["memberType"])

	// The SDK escapes the filter and the $; spaces may also come as %20.
	path := eligibilityPath + "?%24filter=principalId%20eq%20%27u-pim%27&%24expand=roleDefinition(%24select%3Did,displayName,templateId)"
	got := instances(t, env, path)
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"id": "e8611ab8-c189-46e8-94e1-60213ab1f814", "displayName": "Privileged Role Administrator",
		"templateId": "e8611ab8-c189-46e8-94e1-60213ab1f814"}, got[0]["roleDefinition"])
	full := instances(t, env, eligibilityPath+"?$filter=principalId%20eq%20'u-pim'&$expand=roleDefinition")[0]["roleDefinition"].(map[string]any)
	assert.Equal(t, true, full["isBuiltIn"])
	assert.Equal(t, "Privileged Role Administrator", full["displayName"])
	assert.Empty(t, instances(t, env, eligibilityPath+"?$filter=principalId+eq+'nobody'"))
}

func TestRoleInstanceQueryErrors(t *testing.T) {
	env := newEnv(t, rolesSeed())
	for _, q := range []string{"$filter=roleDefinitionId eq 'x'", "$filter=principalId eq 'a' or principalId eq 'b'", "$filter=startswith(principalId,'u')"} {
		r := env.graph(http.MethodGet, eligibilityPath+"?"+strings.ReplaceAll(q, " ", "%20"), nil)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		assert.Contains(t, r.errMessage(t), "Invalid filter clause", q)
	}
	r := env.graph(http.MethodGet, assignmentsPath+"?$expand=principal", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "'principal'")
	r = env.graph(http.MethodGet, assignmentsPath+"?$expand=roleDefinition($select=shoeSize)", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "shoeSize")
	r = env.graph(http.MethodGet, assignmentsPath+"?$top=0", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
}

func TestRoleInstancesPaging(t *testing.T) {
	env := newEnv(t, rolesSeed())
	all := instances(t, env, assignmentsPath+"?$expand=roleDefinition")
	var seen []map[string]any
	next := assignmentsPath + "?$expand=roleDefinition&$top=3"
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 5)
		body := env.graph(http.MethodGet, next, nil).obj(t)
		for _, v := range body["value"].([]any) {
			seen = append(seen, v.(map[string]any))
		}
		next = ""
		if link, ok := body["@odata.nextLink"].(string); ok {
			require.True(t, strings.HasPrefix(link, env.base()+"/roleManagement/directory/roleAssignmentScheduleInstances?"), link)
			assert.Contains(t, link, "$expand=roleDefinition", "the next link keeps the other options")
			next = strings.TrimPrefix(link, env.srv.URL)
		}
	}
	assert.Equal(t, all, seen)
}

func TestRoleInstancesNeedAPermission(t *testing.T) {
	env := newEnv(t, rolesSeed())
	r := env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All", "RoleAssignmentSchedule.Read.Directory"}})
	require.Equal(t, http.StatusOK, r.status)
	r = env.graph(http.MethodGet, eligibilityPath, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "Authorization_RequestDenied", r.errCode(t))
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, assignmentsPath, nil).status)

	env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"RoleManagement.Read.Directory"}})
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, eligibilityPath, nil).status)
}
