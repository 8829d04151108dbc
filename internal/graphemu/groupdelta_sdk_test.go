package graphemu

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkGroupRound follows a groups delta round with the SDK from first to its deltaLink and returns every group,
// the number of pages and the deltaLink.
func sdkGroupRound(t *testing.T, delta *groups.DeltaRequestBuilder, first groups.DeltaGetResponseable) ([]models.Groupable, int, string) {
	t.Helper()
	var got []models.Groupable
	page, pages := first, 1
	for {
		got = append(got, page.GetValue()...)
		next, link := page.GetOdataNextLink(), page.GetOdataDeltaLink()
		require.False(t, next != nil && link != nil, "a page never has both links")
		if link != nil {
			return got, pages, *link
		}
		require.NotNil(t, next, "a page without a deltaLink has a nextLink")
		require.Contains(t, *next, "/v1.0/groups/delta?$skiptoken=")
		var err error
		page, err = delta.WithUrl(*next).GetAsDeltaGetResponse(context.Background(), nil)
		require.NoError(t, err)
		pages++
		require.Less(t, pages, 20, "the round ends")
	}
}

// sdkMemberChanges reads a group's members@delta as the SDK leaves it in the additional data: user id ->
// removed.
func sdkMemberChanges(t *testing.T, g models.Groupable) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	raw, ok := g.GetAdditionalData()["members@delta"].([]any)
	require.True(t, ok, "members@delta: %v", g.GetAdditionalData())
	for _, v := range raw {
		m := v.(map[string]any)
		typ, id := m["@odata.type"].(*string), m["id"].(*string)
		require.NotNil(t, typ)
		require.NotNil(t, id)
		assert.Equal(t, "#microsoft.graph.user", *typ)
		_, removed := m["@removed"]
		out[*id] = removed
	}
	return out
}

func TestGroupsDeltaWithTheSDK(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	adapter := sdkAdapter(t, env)
	delta := groups.NewGroupsRequestBuilderInternal(map[string]string{"baseurl": env.base()}, adapter).Delta()
	top := int32(1)
	filter := "id eq '" + DemoNewJoinersGroupID + "' or id eq '" + DemoAllStaffGroupID + "'"
	first, err := delta.GetAsDeltaGetResponse(ctx, &groups.DeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.DeltaRequestBuilderGetQueryParameters{Top: &top, Filter: &filter,
			Select: []string{"id", "displayName", "members"}},
	})
	require.NoError(t, err)
	all, pages, deltaLink := sdkGroupRound(t, delta, first)
	assert.Equal(t, 2, pages, "two groups, one a page")
	require.Len(t, all, 2)
	byID := map[string]models.Groupable{}
	for _, g := range all {
		byID[*g.GetId()] = g
	}
	joiners := byID[DemoNewJoinersGroupID]
	require.NotNil(t, joiners)
	assert.Equal(t, DemoNewJoinersGroupID, *joiners.GetDisplayName())
	assert.Equal(t, map[string]bool{DemoAdaLovelaceID: false, DemoKatherineID: false, DemoDorothyVaughanID: false,
		DemoMargaretID: false, DemoBarbaraLiskovID: false}, sdkMemberChanges(t, joiners))
	assert.Len(t, sdkMemberChanges(t, byID[DemoAllStaffGroupID]), 9)
	assert.True(t, strings.HasPrefix(deltaLink, env.base()+"/groups/delta?$deltatoken="), deltaLink)
	reqs := env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t)
	assert.Equal(t, "/v1.0/groups/delta()", reqs[0]["path"], "the SDK's spelling of the function")

	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodPost, "/_emulator/groups/"+DemoNewJoinersGroupID+"/members",
		map[string]any{"id": DemoHedyLamarrID}).status)
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoKatherineID, nil).status)

	changes, err := delta.WithUrl(deltaLink).GetAsDeltaGetResponse(ctx, nil)
	require.NoError(t, err)
	got, _, nextDelta := sdkGroupRound(t, delta, changes)
	require.Len(t, got, 2, "both groups lost Katherine")
	for _, g := range got {
		want := map[string]bool{DemoKatherineID: true}
		if *g.GetId() == DemoNewJoinersGroupID {
			want[DemoHedyLamarrID] = false
		}
		assert.Equal(t, want, sdkMemberChanges(t, g), *g.GetId())
	}

	quiet, err := delta.WithUrl(nextDelta).GetAsDeltaGetResponse(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, quiet.GetValue(), "nothing changed since")
	require.NotNil(t, quiet.GetOdataDeltaLink())
}
