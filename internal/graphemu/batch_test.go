package graphemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchItems decodes the responses of a 200 batch answer, by id.
func batchItems(t *testing.T, r resp) map[string]map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	out := map[string]map[string]any{}
	for _, v := range r.obj(t)["responses"].([]any) {
		item := v.(map[string]any)
		out[item["id"].(string)] = item
	}
	return out
}

func TestBatchServesEachRequest(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '" + DemoBarbaraLiskovID + "'",
			"headers": map[string]string{"Accept": "application/json"}},
		{"id": "2", "method": "GET", "url": "users/" + DemoHedyLamarrID + "?$select=id,userType"},
		{"id": "3", "method": "GET", "url": "/users/ghost@contoso.example"},
		{"id": "4", "method": "GET", "url": "/users/ghost@contoso.example/manager", "dependsOn": []string{"3"}},
	}})
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	items := batchItems(t, r)
	require.Len(t, items, 4)

	one := items["1"]
	assert.EqualValues(t, 200, one["status"])
	assert.Equal(t, map[string]any{"Content-Type": "application/json"}, one["headers"])
	body := one["body"].(map[string]any)
	assert.Equal(t, env.base()+"/$metadata#roleManagement/directory/roleEligibilityScheduleInstances", body["@odata.context"])
	require.Len(t, body["value"], 1)
	assert.Equal(t, DemoBarbaraLiskovID, body["value"].([]any)[0].(map[string]any)["principalId"])

	assert.Equal(t, "Guest", items["2"]["body"].(map[string]any)["userType"])
	assert.EqualValues(t, 404, items["3"]["status"])
	assert.Equal(t, "Request_ResourceNotFound", items["3"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	assert.EqualValues(t, 424, items["4"]["status"], "a request depending on a failed one is not served")

	reqs := env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t)
	require.Len(t, reqs, 4, "the batch and its three served requests")
	assert.Equal(t, "/v1.0/$batch", reqs[0]["path"])
	assert.Equal(t, false, reqs[0]["batched"])
	assert.EqualValues(t, 200, reqs[0]["status"])
	assert.Equal(t, "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", reqs[1]["path"])
	assert.Contains(t, reqs[1]["query"], "$filter=principalId")
	assert.Equal(t, "/v1.0/users/"+DemoHedyLamarrID, reqs[2]["path"])
	for _, rec := range reqs[1:] {
		assert.Equal(t, true, rec["batched"])
		assert.Equal(t, true, rec["hasAuthorization"])
	}
	assert.EqualValues(t, 404, reqs[3]["status"])
}

func TestBatchAppliesFaultsAndPermissions(t *testing.T) {
	env := newEnv(t, nil)
	env.ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/roleAssignmentScheduleInstances$", "status": 429, "retry_after": "3", "count": 1})
	env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All", "RoleAssignmentSchedule.Read.Directory"}})
	batch := map[string]any{"requests": []map[string]any{
		{"id": "a", "method": "GET", "url": "/roleManagement/directory/roleAssignmentScheduleInstances"},
		{"id": "e", "method": "GET", "url": "/roleManagement/directory/roleEligibilityScheduleInstances"},
		{"id": "u", "method": "GET", "url": "/users/" + DemoAdaLovelaceID},
	}}
	items := batchItems(t, env.graph(http.MethodPost, "/v1.0/$batch", batch))
	assert.EqualValues(t, 429, items["a"]["status"])
	assert.Equal(t, "3", items["a"]["headers"].(map[string]any)["Retry-After"])
	assert.Equal(t, "TooManyRequests", items["a"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	assert.EqualValues(t, 403, items["e"]["status"])
	assert.Equal(t, "Authorization_RequestDenied", items["e"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	assert.EqualValues(t, 200, items["u"]["status"])

	items = batchItems(t, env.graph(http.MethodPost, "/v1.0/%24batch", batch))
	assert.EqualValues(t, 200, items["a"]["status"], "the fault rule was used up")
}

func TestBatchRefusesBadPayloads(t *testing.T) {
	env := newEnv(t, nil)
	get := func(id string) map[string]any {
		return map[string]any{"id": id, "method": "GET", "url": "/users/" + DemoAdaLovelaceID}
	}
	var many []map[string]any
	for i := 0; i < 21; i++ {
		many = append(many, get(strings.Repeat("x", i+1)))
	}
	for name, body := range map[string]any{
		"too many":       map[string]any{"requests": many},
		"duplicate ids":  map[string]any{"requests": []map[string]any{get("1"), get("1")}},
		"empty":          map[string]any{"requests": []any{}},
		"no url":         map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET"}}},
		"later depends":  map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET", "url": "/users/x", "dependsOn": []string{"2"}}, get("2")}},
		"not JSON":       `{"requests":[`,
		"requests array": `{"requests":{}}`,
	} {
		r := env.graph(http.MethodPost, "/v1.0/$batch", body)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "BadRequest", r.errCode(t), name)
	}
	items := batchItems(t, env.graph(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": many[:20]}))
	assert.Len(t, items, 20)

	r := env.call(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []any{get("1")}}, nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	items = batchItems(t, env.graph(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users/x"},
		{"id": "2", "method": "GET", "url": "/$batch"},
	}}))
	assert.EqualValues(t, 400, items["1"]["status"])
	assert.EqualValues(t, 400, items["2"]["status"])
}

func TestBatchNextLinkIsFollowable(t *testing.T) {
	env := newEnv(t, rolesSeed())
	items := batchItems(t, env.graph(http.MethodPost, "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "roleManagement/directory/roleEligibilityScheduleInstances?$top=2&$filter=principalId ne 'x'"},
		{"id": "2", "method": "GET", "url": "roleManagement/directory/roleEligibilityScheduleInstances?$top=2&$expand=roleDefinition"},
	}}))
	assert.EqualValues(t, 400, items["1"]["status"], "only principalId eq is supported")
	body := items["2"]["body"].(map[string]any)
	require.Len(t, body["value"], 2)
	link := body["@odata.nextLink"].(string)
	require.True(t, strings.HasPrefix(link, env.base()+"/roleManagement/directory/roleEligibilityScheduleInstances?"), link)
	rest := env.graph(http.MethodGet, strings.TrimPrefix(link, env.srv.URL), nil)
	require.Equal(t, http.StatusOK, rest.status, string(rest.body))
	value := rest.obj(t)["value"].([]any)
	require.Len(t, value, 1)
	assert.Contains(t, value[0], "roleDefinition")
}
