package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHRFieldsInSeedPostAndGraph(t *testing.T) {
	env := newEnv(t, &Seed{Users: []SeedUser{{UserPrincipalName: "a@contoso.example", Department: "Sales",
		JobTitle: "Rep", EmployeeHireDate: "2026-12-07T10:00:00+01:00", EmployeeLeaveDateTime: "2027-06-30T17:00:00Z"}}})
	u := env.graph(http.MethodGet, "/v1.0/users/a@contoso.example?$select=department,jobTitle,employeeHireDate,employeeLeaveDateTime", nil).obj(t)
	assert.Equal(t, "Sales", u["department"])
	assert.Equal(t, "Rep", u["jobTitle"])
	assert.Equal(t, "2026-12-07T09:00:00Z", u["employeeHireDate"], "a DateTimeOffset comes back in UTC")
	assert.Equal(t, "2027-06-30T17:00:00Z", u["employeeLeaveDateTime"])
	assert.Equal(t, "Rep", env.graph(http.MethodGet, "/v1.0/users/a@contoso.example", nil).obj(t)["jobTitle"], "jobTitle is a default property")

	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "b@contoso.example", "department": "Ops"})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	v := r.obj(t)
	assert.Equal(t, "Ops", v["department"])
	assert.Nil(t, v["employeeHireDate"])
	u = env.graph(http.MethodGet, "/v1.0/users/b@contoso.example?$select=employeeHireDate,department", nil).obj(t)
	assert.Nil(t, u["employeeHireDate"])
	assert.Equal(t, "Ops", u["department"])

	r = env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "c@contoso.example", "employeeHireDate": "07/12/2026 SECRET"})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "employeeHireDate")
	assert.NotContains(t, r.errMessage(t), "SECRET")
	err := (&Seed{Users: []SeedUser{{UserPrincipalName: "d@contoso.example", EmployeeLeaveDateTime: "2026-12-07"}}}).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "users[0]: employeeLeaveDateTime")
}

func TestPatchUserCtl(t *testing.T) {
	env := newEnv(t, nil)
	path := "/_emulator/users/ada.lovelace@contoso.example"
	r := env.ctl(http.MethodPatch, path, map[string]any{
		"accountEnabled": false, "employeeId": "E2001", "displayName": "Ada King", "userPrincipalName": "ada.king@contoso.example",
		"mail": nil, "department": "Analytical Engines", "jobTitle": "Programmer", "employeeHireDate": "2026-12-07T09:00:00Z",
		"employeeLeaveDateTime": "2027-01-31T17:00:00Z", "userType": "guest", "managerId": DemoAlanTuringID,
		"onPremisesExtensionAttributes": map[string]any{"extensionAttribute3": "x"},
	})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	v := r.obj(t)
	assert.Equal(t, DemoAdaLovelaceID, v["id"])
	assert.Equal(t, "Guest", v["userType"])
	assert.Equal(t, DemoAlanTuringID, v["managerId"])

	u := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$select=accountEnabled,employeeId,displayName,"+
		"userPrincipalName,mail,department,jobTitle,employeeHireDate,employeeLeaveDateTime,userType", nil).obj(t)
	assert.Equal(t, false, u["accountEnabled"])
	assert.Equal(t, "E2001", u["employeeId"])
	assert.Equal(t, "Ada King", u["displayName"])
	assert.Equal(t, "ada.king@contoso.example", u["userPrincipalName"])
	assert.Nil(t, u["mail"], "null clears a nullable field")
	assert.Equal(t, "Analytical Engines", u["department"])
	assert.Equal(t, "Programmer", u["jobTitle"])
	assert.Equal(t, "2026-12-07T09:00:00Z", u["employeeHireDate"])
	assert.Equal(t, "2027-01-31T17:00:00Z", u["employeeLeaveDateTime"])
	m := env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"/manager?$select=id", nil).obj(t)
	assert.Equal(t, DemoAlanTuringID, m["id"])

	r = env.ctl(http.MethodPatch, "/_emulator/users/"+DemoAdaLovelaceID, map[string]any{"employeeHireDate": nil, "department": nil})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Nil(t, r.obj(t)["employeeHireDate"])
	u = env.graph(http.MethodGet, "/v1.0/users/"+DemoAdaLovelaceID+"?$select=employeeHireDate,department,jobTitle", nil).obj(t)
	assert.Nil(t, u["employeeHireDate"])
	assert.Nil(t, u["department"])
	assert.Equal(t, "Programmer", u["jobTitle"], "fields not named stay")

	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodPatch, "/_emulator/users/nobody@contoso.example", map[string]any{}).status)
}

func TestPatchUserCtlValidation(t *testing.T) {
	env := newEnv(t, nil)
	path := "/_emulator/users/" + DemoAdaLovelaceID
	for field, body := range map[string]map[string]any{
		"employeeHireDate":              {"employeeHireDate": "SECRET-7"},
		"employeeLeaveDateTime":         {"employeeLeaveDateTime": 1234567},
		"accountEnabled":                {"accountEnabled": "SECRET-yes"},
		"userType":                      {"userType": "SECRET-visitor"},
		"userPrincipalName":             {"userPrincipalName": "SECRET-no-at-sign"},
		"displayName":                   {"displayName": nil},
		"department":                    {"department": []string{"SECRET"}},
		"shoeSize":                      {"shoeSize": "SECRET-42"},
		"onPremisesExtensionAttributes": {"onPremisesExtensionAttributes": map[string]any{"extensionAttribute16": "SECRET"}},
		"scopedRoles":                   {"scopedRoles": []map[string]string{{"role": "SECRET"}}},
		"id":                            {"id": "SECRET-id"},
		"methods":                       {"methods": []any{}},
	} {
		body["jobTitle"] = "Should not stick" // all or nothing
		r := env.ctl(http.MethodPatch, path, body)
		require.Equal(t, http.StatusBadRequest, r.status, field)
		msg := r.errMessage(t)
		assert.Contains(t, msg, field, field)
		assert.NotContains(t, msg, "SECRET", field)
		assert.NotContains(t, string(r.body), "SECRET", field)
	}
	r := env.ctl(http.MethodPatch, path, map[string]any{"userPrincipalName": "GRACE.hopper@contoso.example"})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "userPrincipalName")
	assert.NotContains(t, r.errMessage(t), "GRACE")
	r = env.ctl(http.MethodPatch, path, "[1,2]")
	assert.Equal(t, http.StatusBadRequest, r.status)

	u := env.ctl(http.MethodGet, path, nil).obj(t)
	assert.Nil(t, u["jobTitle"], "no refused PATCH changed anything")
	assert.Equal(t, "ada.lovelace@contoso.example", u["userPrincipalName"])
	assert.Equal(t, true, u["accountEnabled"])
}

func TestDeleteUserCtl(t *testing.T) {
	env := newEnv(t, nil)
	_, _, link := env.deltaRound("/v1.0/users/delta?$select=id", nil)
	path := "/_emulator/users/katherine.johnson@contoso.example"
	assert.Equal(t, http.StatusBadRequest, env.ctl(http.MethodDelete, path+"?permanent=maybe", nil).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, path, nil).status)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodGet, path, nil).status)
	r := env.graph(http.MethodGet, "/v1.0/users/"+DemoKatherineID, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, codeNotFound, r.errCode(t))
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodDelete, path, nil).status)
	assert.Len(t, env.ctl(http.MethodGet, "/_emulator/users", nil).arr(t), 11)

	// The same id can come back, as a user restored from deletedItems does: it shows as created, not removed.
	require.Equal(t, http.StatusCreated, env.ctl(http.MethodPost, "/_emulator/users", map[string]any{
		"id": DemoKatherineID, "userPrincipalName": "katherine.johnson@contoso.example"}).status)
	changes, _, _ := env.deltaRound(env.relative(link), nil)
	assert.Equal(t, []map[string]any{{"id": DemoKatherineID}}, changes)
}
