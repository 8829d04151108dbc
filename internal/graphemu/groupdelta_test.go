package graphemu

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphperm"
)

// groupRound follows a groups delta round over plain HTTP from path to its deltaLink; it returns every entry
// by group id (a group listed twice fails), the number of pages and the deltaLink.
func (e *testEnv) groupRound(path string, headers map[string]string) (map[string]map[string]any, int, string) {
	e.t.Helper()
	all := map[string]map[string]any{}
	for pages := 1; pages < 50; pages++ {
		h := map[string]string{"Authorization": "Bearer test-token"}
		for k, v := range headers {
			h[k] = v
		}
		r := e.call(http.MethodGet, path, nil, h)
		require.Equal(e.t, http.StatusOK, r.status, string(r.body))
		body := r.obj(e.t)
		for _, v := range body["value"].([]any) {
			g := v.(map[string]any)
			require.NotContains(e.t, all, g["id"], "a group once a round")
			all[g["id"].(string)] = g
		}
		next, hasNext := body["@odata.nextLink"].(string)
		link, hasLink := body["@odata.deltaLink"].(string)
		require.NotEqual(e.t, hasNext, hasLink, "exactly one of nextLink and deltaLink: %s", r.body)
		if hasLink {
			require.True(e.t, strings.HasPrefix(link, e.base()+"/groups/delta?$deltatoken="), link)
			return all, pages, link
		}
		require.True(e.t, strings.HasPrefix(next, e.base()+"/groups/delta?$skiptoken="), next)
		path = e.relative(next)
	}
	e.t.Fatal("the round does not end")
	return nil, 0, ""
}

// member is a members@delta entry: a user added, or removed when removed is true.
func member(id string, removed bool) map[string]any {
	m := map[string]any{"@odata.type": "#microsoft.graph.user", "id": id}
	if removed {
		m["@removed"] = map[string]any{"reason": "deleted"}
	}
	return m
}

// members lists members@delta entries of users added.
func members(ids ...string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, member(id, false))
	}
	return out
}

func TestGroupsDeltaInitialRoundListsEveryGroupWithItsMembers(t *testing.T) {
	env := newEnv(t, nil)
	r := env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "Tier 0", "isAssignableToRole": true,
		"members": []string{DemoMargaretID, "grace.hopper@contoso.example"}})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	tier0 := r.obj(t)["id"].(string)
	r = env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "Empty"})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	empty := r.obj(t)["id"].(string)

	r = env.graph(http.MethodGet, "/v1.0/groups/delta?$select=id,displayName,members", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, env.base()+"/$metadata#groups(id,displayName,members)", r.obj(t)["@odata.context"])
	all, pages, _ := env.groupRound("/v1.0/groups/delta?$select=id,displayName,members", nil)
	assert.Equal(t, 1, pages)
	require.Len(t, all, 4, "the demo directory's two groups, Tier 0 and Empty")
	assert.Equal(t, map[string]any{"id": DemoNewJoinersGroupID, "displayName": DemoNewJoinersGroupID,
		"members@delta": members(DemoAdaLovelaceID, DemoKatherineID, DemoDorothyVaughanID, DemoMargaretID, DemoBarbaraLiskovID)},
		all[DemoNewJoinersGroupID], "an implicit group is named by its id, as memberOf shows it")
	assert.Equal(t, members(DemoGraceHopperID, DemoAlanTuringID, DemoLinusPaulingID, DemoAdaLovelaceID, DemoKatherineID,
		DemoDorothyVaughanID, DemoMargaretID, DemoRadiaPerlmanID, DemoBarbaraLiskovID), all[DemoAllStaffGroupID]["members@delta"])
	assert.Equal(t, map[string]any{"id": tier0, "displayName": "Tier 0", "members@delta": members(DemoMargaretID, DemoGraceHopperID)},
		all[tier0])
	assert.Equal(t, map[string]any{"id": empty, "displayName": "Empty"}, all[empty], "no members, no members@delta")

	// Without $select, every property the emulator models, members included; without members, none.
	all, _, _ = env.groupRound("/v1.0/groups/delta", nil)
	assert.Equal(t, []string{"displayName", "id", "isAssignableToRole", "mailEnabled", "members@delta", "securityEnabled"}, keys(all[tier0]))
	assert.Equal(t, true, all[tier0]["isAssignableToRole"])
	all, _, _ = env.groupRound("/v1.0/groups/delta?$select=displayName", nil)
	assert.Equal(t, map[string]any{"id": tier0, "displayName": "Tier 0"}, all[tier0])
	all, _, _ = env.groupRound("/v1.0/groups/delta?$select=displayName&$expand=members", nil)
	assert.Contains(t, all[tier0], "members@delta", "$expand=members, as the delta query concept page uses")

	for _, bad := range []string{"$select=owners", "$expand=owners", "$orderby=displayName", "$top=0", "$top=x"} {
		r := env.graph(http.MethodGet, "/v1.0/groups/delta?"+bad, nil)
		require.Equal(t, http.StatusBadRequest, r.status, bad)
		assert.Equal(t, "Request_BadRequest", r.errCode(t), bad)
	}
	assert.NotContains(t, env.graph(http.MethodGet, "/v1.0/groups/delta?$select=owners", nil).errMessage(t), "owners",
		"an error never repeats the request")
}

func TestGroupsDeltaReportsExactlyTheMembersAddedAndRemoved(t *testing.T) {
	env := newEnv(t, nil)
	sel := "/v1.0/groups/delta?$select=id,displayName,members"
	_, _, link := env.groupRound(sel, nil)
	joiners := "/_emulator/groups/" + DemoNewJoinersGroupID + "/members"
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, joiners, map[string]any{"id": DemoHedyLamarrID}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, joiners, map[string]any{"id": DemoHedyLamarrID}).status, "idempotent")
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, joiners+"/"+DemoAdaLovelaceID, nil).status)

	changes, _, next := env.groupRound(env.relative(link), nil)
	require.Len(t, changes, 1, "only the joiners group changed: %v", changes)
	assert.Equal(t, map[string]any{"id": DemoNewJoinersGroupID, "displayName": DemoNewJoinersGroupID,
		"members@delta": []any{member(DemoHedyLamarrID, false), member(DemoAdaLovelaceID, true)}}, changes[DemoNewJoinersGroupID])
	minimal, _, _ := env.groupRound(env.relative(link), map[string]string{"Prefer": "return=minimal"})
	assert.Equal(t, map[string]any{"id": DemoNewJoinersGroupID,
		"members@delta": []any{member(DemoHedyLamarrID, false), member(DemoAdaLovelaceID, true)}}, minimal[DemoNewJoinersGroupID],
		"minimal: the displayName did not change")
	changes, _, next = env.groupRound(env.relative(next), nil)
	assert.Empty(t, changes, "nothing since")

	// A PATCH of a user's groups, and a group created with members.
	r := env.ctl(http.MethodPatch, "/_emulator/users/"+DemoRadiaPerlmanID, map[string]any{"groups": []string{DemoNewJoinersGroupID}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r = env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "Ops", "members": []string{DemoAlanTuringID}})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	ops := r.obj(t)["id"].(string)
	changes, _, _ = env.groupRound(env.relative(next), nil)
	require.Len(t, changes, 3)
	assert.Equal(t, []any{member(DemoRadiaPerlmanID, true)}, changes[DemoAllStaffGroupID]["members@delta"])
	assert.Equal(t, []any{member(DemoRadiaPerlmanID, false)}, changes[DemoNewJoinersGroupID]["members@delta"])
	assert.Equal(t, map[string]any{"id": ops, "displayName": "Ops", "members@delta": members(DemoAlanTuringID)}, changes[ops])

	// The control calls' errors.
	for path, want := range map[string]int{
		"/_emulator/groups/" + DemoNewJoinersGroupID + "/members/" + DemoGraceHopperID: http.StatusNotFound, // not a member
		"/_emulator/groups/no-such-group/members/" + DemoAdaLovelaceID:                 http.StatusNotFound,
	} {
		r := env.ctl(http.MethodDelete, path, nil)
		assert.Equal(t, want, r.status, path)
		assert.NotContains(t, r.errMessage(t), "no-such-group")
	}
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodPost, joiners, map[string]any{"id": "ghost@contoso.example"}).status)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodPost, "/_emulator/groups/nope/members", map[string]any{"id": DemoAdaLovelaceID}).status)
	assert.Equal(t, http.StatusBadRequest, env.ctl(http.MethodPost, joiners, map[string]any{"user": DemoAdaLovelaceID}).status)
}

func TestGroupsDeltaShowsADeletedUserAndGroupRemoved(t *testing.T) {
	env := newEnv(t, nil)
	_, _, link := env.groupRound("/v1.0/groups/delta?$select=members", nil)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoAdaLovelaceID, nil).status)
	changes, _, next := env.groupRound(env.relative(link), nil)
	require.Len(t, changes, 2)
	for _, g := range []string{DemoAllStaffGroupID, DemoNewJoinersGroupID} {
		assert.Equal(t, map[string]any{"id": g, "members@delta": []any{member(DemoAdaLovelaceID, true)}}, changes[g])
	}

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/groups/"+DemoNewJoinersGroupID, nil).status)
	assert.Equal(t, http.StatusNotFound, env.ctl(http.MethodDelete, "/_emulator/groups/"+DemoNewJoinersGroupID, nil).status)
	assert.NotContains(t, env.ctl(http.MethodGet, "/_emulator/users/"+DemoKatherineID, nil).obj(t)["groups"], DemoNewJoinersGroupID)
	changes, _, _ = env.groupRound(env.relative(next), nil)
	assert.Equal(t, map[string]map[string]any{DemoNewJoinersGroupID: {"id": DemoNewJoinersGroupID,
		"@removed": map[string]any{"reason": "changed"}}}, changes)
	all, _, _ := env.groupRound("/v1.0/groups/delta", nil)
	assert.Len(t, all, 1, "a new round no longer lists it")
}

func TestGroupsDeltaFiltersByIDs(t *testing.T) {
	env := newEnv(t, nil)
	filter := func(ids ...string) string {
		var clauses []string
		for _, id := range ids {
			clauses = append(clauses, "id eq '"+id+"'")
		}
		return "/v1.0/groups/delta?$select=id,members&$filter=" + url.QueryEscape(strings.Join(clauses, " or "))
	}
	all, _, link := env.groupRound(filter(DemoNewJoinersGroupID), nil)
	require.Len(t, all, 1)
	assert.Contains(t, all, DemoNewJoinersGroupID)
	all, _, _ = env.groupRound(filter(strings.ToUpper(DemoNewJoinersGroupID), DemoAllStaffGroupID, "00000000-0000-0000-0000-000000000000"), nil)
	assert.Len(t, all, 2, "ids compare case-insensitively; an unknown id lists nothing")

	// The deltaLink keeps the filter: a change to another group is not reported.
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete,
		"/_emulator/groups/"+DemoAllStaffGroupID+"/members/"+DemoRadiaPerlmanID, nil).status)
	changes, _, _ := env.groupRound(env.relative(link), nil)
	assert.Empty(t, changes)

	ids := make([]string, 51)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
	}
	assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, filter(ids[:50]...), nil).status, "50 ids")
	for name, path := range map[string]string{
		"51 ids":      filter(ids...),
		"other field": "/v1.0/groups/delta?$filter=" + url.QueryEscape("displayName eq 'x'"),
		"and":         "/v1.0/groups/delta?$filter=" + url.QueryEscape("id eq 'a' and id eq 'b'"),
		"unquoted":    "/v1.0/groups/delta?$filter=" + url.QueryEscape("id eq a"),
	} {
		r := env.graph(http.MethodGet, path, nil)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "Request_BadRequest", r.errCode(t), name)
		assert.NotContains(t, r.errMessage(t), "00000000-0000", name)
	}
}

func TestGroupsDeltaPagesWithTop(t *testing.T) {
	env := newEnv(t, nil)
	r := env.ctl(http.MethodPost, "/_emulator/groups", map[string]any{"displayName": "Ops", "members": []string{DemoAlanTuringID}})
	require.Equal(t, http.StatusCreated, r.status)
	first := env.graph(http.MethodGet, "/v1.0/groups/delta?$top=1&$select=id,members", nil).obj(t)
	require.Len(t, first["value"], 1)
	require.NotContains(t, first, "@odata.deltaLink")
	all, pages, link := env.groupRound("/v1.0/groups/delta?$top=1&$select=id,members", nil)
	assert.Equal(t, 3, pages, "three groups, one a page")
	assert.Len(t, all, 3)

	// A member added while a round is paged is not lost: it is listed now or reported in the next round.
	next := env.relative(first["@odata.nextLink"].(string))
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/groups/"+DemoAllStaffGroupID+"/members",
		map[string]any{"id": DemoHedyLamarrID}).status)
	_, _, link = env.groupRound(next, nil)
	changes, _, _ := env.groupRound(env.relative(link), nil)
	assert.Equal(t, []any{member(DemoHedyLamarrID, false)}, changes[DemoAllStaffGroupID]["members@delta"])
}

func TestGroupsDeltaTokens(t *testing.T) {
	env := newEnv(t, nil)
	_, _, users := env.deltaRound("/v1.0/users/delta?$select=id", nil)
	_, _, groups := env.groupRound("/v1.0/groups/delta?$select=id,members", nil)
	userSkip := env.graph(http.MethodGet, "/v1.0/users/delta?$top=1", nil).obj(t)["@odata.nextLink"].(string)
	token := func(link, param string) string { return link[strings.Index(link, param)+len(param):] }
	altered := token(groups, "$deltatoken=")
	altered = altered[:10] + strings.Map(func(r rune) rune { return r ^ 1 }, altered[10:11]) + altered[11:]
	for name, path := range map[string]string{
		"a users deltatoken":  "/v1.0/groups/delta?$deltatoken=" + token(users, "$deltatoken="),
		"a users skiptoken":   "/v1.0/groups/delta?$skiptoken=" + token(userSkip, "$skiptoken="),
		"a groups deltatoken": "/v1.0/users/delta?$deltatoken=" + token(groups, "$deltatoken="),
		"altered":             "/v1.0/groups/delta?$deltatoken=" + altered,
		"made up":             "/v1.0/groups/delta?$deltatoken=abc.def",
	} {
		r := env.graph(http.MethodGet, path, nil)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "syncStateNotFound", r.errCode(t), name)
	}

	r := env.graph(http.MethodGet, "/v1.0/groups/delta()?$deltatoken=latest&$select=members", nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Empty(t, r.obj(t)["value"])
	latest := r.obj(t)["@odata.deltaLink"].(string)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete,
		"/_emulator/groups/"+DemoAllStaffGroupID+"/members/"+DemoGraceHopperID, nil).status)
	changes, _, _ := env.groupRound(env.relative(latest), nil)
	assert.Equal(t, map[string]map[string]any{DemoAllStaffGroupID: {"id": DemoAllStaffGroupID,
		"members@delta": []any{member(DemoGraceHopperID, true)}}}, changes)

	env.clock.Advance(deltaTokenLifetime + time.Minute)
	r = env.graph(http.MethodGet, env.relative(groups), nil)
	require.Equal(t, http.StatusBadRequest, r.status, "expired after seven days")
	assert.Equal(t, "syncStateNotFound", r.errCode(t))
	_, _, groups = env.groupRound("/v1.0/groups/microsoft.graph.delta", nil)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/reset", nil).status)
	r = env.graph(http.MethodGet, env.relative(groups), nil)
	require.Equal(t, http.StatusBadRequest, r.status, "a reset starts a new history")
	assert.Equal(t, "syncStateNotFound", r.errCode(t))
}

func TestGroupsDeltaPermissions(t *testing.T) {
	if _, ok := graphperm.Lookup(http.MethodGet, []string{"groups", "delta"}); !ok {
		t.Skip("the permission table has no row for GET groups/delta yet: the emulator checks no permission for it")
	}
	env := newEnv(t, nil)
	require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All"}}).status)
	for _, p := range deltaFunctionNames() {
		r := env.graph(http.MethodGet, "/v1.0/groups/"+p, nil)
		require.Equal(t, http.StatusForbidden, r.status, p)
		assert.Equal(t, "Authorization_RequestDenied", r.errCode(t))
	}
	for _, p := range []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"} {
		require.Equal(t, http.StatusOK, env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{p}}).status, p)
		assert.Equal(t, http.StatusOK, env.graph(http.MethodGet, "/v1.0/groups/delta()", nil).status, p)
	}
}
