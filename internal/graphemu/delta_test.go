package graphemu

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deltaRound follows a users delta round over plain HTTP from path to its deltaLink; it returns every entry,
// the number of pages and the deltaLink.
func (e *testEnv) deltaRound(path string, headers map[string]string) ([]map[string]any, int, string) {
	e.t.Helper()
	var all []map[string]any
	for pages := 1; pages < 50; pages++ {
		h := map[string]string{"Authorization": "Bearer test-token"}
		for k, v := range headers {
			h[k] = v
		}
		r := e.call(http.MethodGet, path, nil, h)
		require.Equal(e.t, http.StatusOK, r.status, string(r.body))
		body := r.obj(e.t)
		for _, v := range body["value"].([]any) {
			all = append(all, v.(map[string]any))
		}
		next, hasNext := body["@odata.nextLink"].(string)
		link, hasLink := body["@odata.deltaLink"].(string)
		require.NotEqual(e.t, hasNext, hasLink, "exactly one of nextLink and deltaLink: %s", r.body)
		if hasLink {
			require.True(e.t, strings.HasPrefix(link, e.base()+"/users/delta?$deltatoken="), link)
			return all, pages, link
		}
		require.True(e.t, strings.HasPrefix(next, e.base()+"/users/delta?$skiptoken="), next)
		path = strings.TrimPrefix(next, e.srv.URL)
	}
	e.t.Fatal("the round does not end")
	return nil, 0, ""
}

// relative turns an absolute link of the emulator into a path for call.
func (e *testEnv) relative(link string) string {
	return strings.TrimPrefix(link, e.srv.URL)
}

// keys lists an object's keys, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestUsersDeltaSelectLimitsProperties(t *testing.T) {
	env := newEnv(t, &Seed{Users: []SeedUser{
		{UserPrincipalName: "a@contoso.example", DisplayName: "A", Department: "Sales", EmployeeHireDate: "2026-12-07T09:00:00Z"},
		{UserPrincipalName: "b@contoso.example", DisplayName: "B"},
	}})
	r := env.graph(http.MethodGet, "/v1.0/users/delta?$select=department,EmployeeHireDate", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	body := r.obj(t)
	assert.Equal(t, env.base()+"/$metadata#users(department,employeeHireDate)", body["@odata.context"])
	value := body["value"].([]any)
	require.Len(t, value, 2)
	for _, v := range value {
		assert.Equal(t, []string{"department", "employeeHireDate", "id"}, keys(v.(map[string]any)))
	}
	assert.Equal(t, "Sales", value[0].(map[string]any)["department"])
	assert.Equal(t, "2026-12-07T09:00:00Z", value[0].(map[string]any)["employeeHireDate"])
	assert.Nil(t, value[1].(map[string]any)["department"], "the initial round shows nulls too")

	all, _, _ := env.deltaRound("/v1.0/users/delta", nil)
	assert.Contains(t, all[0], "displayName", "without $select, Graph's default properties")
	assert.NotContains(t, all[0], "accountEnabled")

	r = env.graph(http.MethodGet, "/v1.0/users/delta?$select=department,shoeSize", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "shoeSize")
	r = env.graph(http.MethodGet, "/v1.0/users/delta?$filter=id%20eq%20'x'", nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errMessage(t), "$filter")
}

func TestUsersDeltaPagesWithTop(t *testing.T) {
	env := newEnv(t, nil)
	first := env.graph(http.MethodGet, "/v1.0/users/delta?$top=2&$select=id", nil).obj(t)
	require.Len(t, first["value"], 2)
	require.NotContains(t, first, "@odata.deltaLink")
	all, pages, _ := env.deltaRound("/v1.0/users/delta?$top=2&$select=id", nil)
	assert.Equal(t, 6, pages, "12 users, 2 a page")
	seen := map[string]bool{}
	for _, u := range all {
		seen[u["id"].(string)] = true
	}
	assert.Len(t, seen, 12)

	// A user created mid-round is not in it: it comes with the next round's changes.
	r := env.graph(http.MethodGet, "/v1.0/users/delta?$top=10&$select=id", nil).obj(t)
	require.Equal(t, http.StatusCreated, env.ctl(http.MethodPost, "/_emulator/users",
		map[string]any{"userPrincipalName": "late@contoso.example"}).status)
	rest, _, link := env.deltaRound(env.relative(r["@odata.nextLink"].(string)), nil)
	assert.Len(t, rest, 2)
	changes, _, _ := env.deltaRound(env.relative(link), nil)
	require.Len(t, changes, 1)

	for _, bad := range []string{"0", "1000", "x"} {
		r := env.graph(http.MethodGet, "/v1.0/users/delta?$top="+bad, nil)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
	}
}

func TestUsersDeltaRefusesTokensItDidNotIssue(t *testing.T) {
	env := newEnv(t, nil)
	_, _, link := env.deltaRound("/v1.0/users/delta?$select=id", nil)
	token := link[strings.Index(link, "$deltatoken=")+len("$deltatoken="):]
	tampered := token[:len(token)-2] + map[bool]string{true: "AA", false: "AB"}[strings.HasSuffix(token, "AB")]
	for name, path := range map[string]string{
		"unknown":        "/v1.0/users/delta?$deltatoken=bm90LWEtdG9rZW4",
		"tampered":       "/v1.0/users/delta?$deltatoken=" + tampered,
		"skiptoken":      "/v1.0/users/delta?$skiptoken=" + token, // a deltatoken is no skiptoken
		"unknown skip":   "/v1.0/users/delta?$skiptoken=abc.def",
		"empty envelope": "/v1.0/users/delta?$deltatoken=.",
	} {
		r := env.graph(http.MethodGet, path, nil)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "syncStateNotFound", r.errCode(t), name)
		assert.Contains(t, r.errMessage(t), "The delta token is expired", name)
	}

	env.clock.Advance(deltaTokenLifetime - time.Minute)
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, env.relative(link), nil).status, "valid for seven days")
	env.clock.Advance(2 * time.Minute)
	r := env.graph(http.MethodGet, env.relative(link), nil)
	require.Equal(t, http.StatusBadRequest, r.status, "expired after seven days")
	assert.Equal(t, "syncStateNotFound", r.errCode(t))

	_, _, link = env.deltaRound("/v1.0/users/delta", nil)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	r = env.graph(http.MethodGet, env.relative(link), nil)
	require.Equal(t, http.StatusBadRequest, r.status, "a reset starts a new history")
	assert.Equal(t, "syncStateNotFound", r.errCode(t))
}

func TestUsersDeltaLatestAndGraphWrites(t *testing.T) {
	env := newEnv(t, nil)
	r := env.graph(http.MethodGet, "/v1.0/users/delta?$deltatoken=latest&$select=accountEnabled", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	body := r.obj(t)
	assert.Empty(t, body["value"])
	assert.NotContains(t, body, "@odata.nextLink")
	link := body["@odata.deltaLink"].(string)

	// Graph's own PATCH is a change; a change to a property outside $select is not tracked.
	user := "/v1.0/users/" + DemoAdaLovelaceID
	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, user, map[string]any{"displayName": "Ada King"}).status)
	changes, _, link := env.deltaRound(env.relative(link), nil)
	assert.Empty(t, changes, "displayName is not selected")
	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, user, map[string]any{"accountEnabled": false}).status)
	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, user, map[string]any{"accountEnabled": false}).status)
	changes, _, link = env.deltaRound(env.relative(link), nil)
	require.Len(t, changes, 1)
	assert.Equal(t, map[string]any{"id": DemoAdaLovelaceID, "accountEnabled": false}, changes[0])
	changes, _, _ = env.deltaRound(env.relative(link), nil)
	assert.Empty(t, changes, "patching the same value again is no change")

	// Without $select every tracked change counts; a $select given with a deltaLink replaces the tracked set.
	_, _, all := env.deltaRound("/v1.0/users/delta", nil)
	require.Equal(t, http.StatusNoContent, env.graph(http.MethodPatch, user, map[string]any{"employeeId": "E2001"}).status)
	changes, _, _ = env.deltaRound(env.relative(all), nil)
	require.Len(t, changes, 1)
	assert.Equal(t, "Ada King", changes[0]["displayName"])
	changes, _, _ = env.deltaRound(env.relative(all)+"&$select=employeeId", nil)
	require.Len(t, changes, 1)
	assert.Equal(t, map[string]any{"id": DemoAdaLovelaceID, "employeeId": "E2001"}, changes[0])
}

func TestUsersDeltaChangedUserShapes(t *testing.T) {
	env := newEnv(t, nil)
	_, _, link := env.deltaRound("/v1.0/users/delta?$select=displayName,department,jobTitle,employeeLeaveDateTime", nil)
	ada := "/_emulator/users/" + DemoAdaLovelaceID
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPatch, ada, map[string]any{"department": "Research", "jobTitle": "Analyst"}).status)
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPatch, ada, map[string]any{"jobTitle": nil}).status)
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPatch, "/_emulator/users/"+DemoRadiaPerlmanID,
		map[string]any{"department": "Networks"}).status)
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPatch, "/_emulator/users/"+DemoGraceHopperID,
		map[string]any{"department": "Navy"}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoGraceHopperID, nil).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoAlanTuringID+"?permanent=true", nil).status)
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "new@contoso.example", "department": "Ops"})
	require.Equal(t, http.StatusCreated, r.status)
	created := map[string]any{"id": r.obj(t)["id"], "displayName": "", "department": "Ops", "jobTitle": nil, "employeeLeaveDateTime": nil}

	changes, _, _ := env.deltaRound(env.relative(link), nil)
	require.Len(t, changes, 5, "Ada, Radia, Grace and Alan removed, a new user: %v", changes)
	// Default: the selected properties with their values, those never set left out, a cleared one null.
	assert.Equal(t, map[string]any{"id": DemoAdaLovelaceID, "displayName": "Ada Lovelace", "department": "Research",
		"jobTitle": nil}, changes[0])
	assert.Equal(t, map[string]any{"id": DemoRadiaPerlmanID, "displayName": "Radia Perlman", "department": "Networks"}, changes[1])
	assert.Equal(t, map[string]any{"id": DemoGraceHopperID, "@removed": map[string]any{"reason": "changed"}}, changes[2],
		"a changed, then deleted user shows once, removed")
	assert.Equal(t, map[string]any{"id": DemoAlanTuringID, "@removed": map[string]any{"reason": "deleted"}}, changes[3])
	assert.Equal(t, created, changes[4], "a new user has every selected property, as a GET shows it")

	// Prefer: return=minimal: only what changed since the token.
	minimal, _, _ := env.deltaRound(env.relative(link), map[string]string{"Prefer": "return=minimal"})
	require.Len(t, minimal, 5)
	assert.Equal(t, created, minimal[4])
	assert.Equal(t, map[string]any{"id": DemoAdaLovelaceID, "department": "Research", "jobTitle": nil}, minimal[0])
	assert.Equal(t, map[string]any{"id": DemoRadiaPerlmanID, "department": "Networks"}, minimal[1])
}

func TestUsersDeltaPathsAndPermissions(t *testing.T) {
	env := newEnv(t, nil)
	for _, p := range []string{"delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()"} {
		r := env.graph(http.MethodGet, "/v1.0/users/"+p+"?$select=id&$top=1", nil)
		require.Equal(t, http.StatusOK, r.status, p)
		assert.Len(t, r.obj(t)["value"], 1, p)
	}
	assert.Equal(t, http.StatusMethodNotAllowed, env.graph(http.MethodPatch, "/v1.0/users/delta", map[string]any{}).status)

	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"Mail.Send"}}).status)
	r := env.graph(http.MethodGet, "/v1.0/users/delta()", nil)
	require.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "Authorization_RequestDenied", r.errCode(t))
	for _, p := range []string{"User.Read.All", "Directory.Read.All"} {
		require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{p}}).status)
		assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, "/v1.0/users/delta()", nil).status, p)
	}
}
