package graphemu

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkDeltaRound follows a users delta round with the SDK from first to its deltaLink and returns every entry,
// the number of pages and the deltaLink.
func sdkDeltaRound(t *testing.T, delta *users.DeltaRequestBuilder, first users.DeltaGetResponseable) ([]models.Userable, int, string) {
	t.Helper()
	ctx := context.Background()
	var got []models.Userable
	page, pages := first, 1
	for {
		got = append(got, page.GetValue()...)
		next, link := page.GetOdataNextLink(), page.GetOdataDeltaLink()
		require.False(t, next != nil && link != nil, "a page never has both links")
		if link != nil {
			return got, pages, *link
		}
		require.NotNil(t, next, "a page without a deltaLink has a nextLink")
		require.Contains(t, *next, "/v1.0/users/delta?$skiptoken=")
		var err error
		page, err = delta.WithUrl(*next).GetAsDeltaGetResponse(ctx, nil)
		require.NoError(t, err)
		pages++
		require.Less(t, pages, 20, "the round ends")
	}
}

// makeThreeChanges changes Ada twice (employeeHireDate and department, then department again), adds Mary
// Jackson and deletes Katherine, through the control API; it returns Mary's id.
func makeThreeChanges(t *testing.T, env *testEnv) string {
	t.Helper()
	patch := func(body map[string]any) {
		r := env.ctl(http.MethodPatch, "/_emulator/users/"+DemoAdaLovelaceID, body)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
	}
	patch(map[string]any{"employeeHireDate": "2026-12-07T09:00:00Z", "department": "Engineering"})
	patch(map[string]any{"department": "Research"})
	r := env.ctl(http.MethodPost, "/_emulator/users", map[string]any{"userPrincipalName": "mary.jackson@contoso.example",
		"displayName": "Mary Jackson", "employeeId": "E1007", "jobTitle": "Engineer", "employeeHireDate": "2027-01-04T08:00:00+01:00"})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	require.Equal(t, http.StatusNoContent, env.ctl(http.MethodDelete, "/_emulator/users/"+DemoKatherineID, nil).status)
	return r.obj(t)["id"].(string)
}

func TestUsersDeltaWithTheSDK(t *testing.T) {
	env := newEnv(t, nil) // the demo directory: 12 users
	ctx := context.Background()
	adapter := sdkAdapter(t, env)
	delta := users.NewUsersRequestBuilderInternal(map[string]string{"baseurl": env.base()}, adapter).Delta()
	top := int32(5)
	first, err := delta.GetAsDeltaGetResponse(ctx, &users.DeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.DeltaRequestBuilderGetQueryParameters{Top: &top, Select: []string{
			"id", "displayName", "employeeId", "department", "jobTitle", "employeeHireDate", "employeeLeaveDateTime", "accountEnabled"}},
	})
	require.NoError(t, err)
	all, pages, deltaLink := sdkDeltaRound(t, delta, first)
	assert.Equal(t, 3, pages, "12 users, 5 a page")
	require.Len(t, all, 12)
	ids := map[string]bool{}
	for _, u := range all {
		ids[*u.GetId()] = true
	}
	assert.Len(t, ids, 12, "every user once")
	assert.True(t, strings.HasPrefix(deltaLink, env.base()+"/users/delta?$deltatoken="), deltaLink)
	reqs := env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t)
	assert.Equal(t, "/v1.0/users/delta()", reqs[0]["path"], "the SDK's spelling of the function")
	assert.Contains(t, reqs[0]["query"], "$top=5")

	maryID := makeThreeChanges(t, env)

	changes, err := delta.WithUrl(deltaLink).GetAsDeltaGetResponse(ctx, nil)
	require.NoError(t, err)
	got, pages, nextDelta := sdkDeltaRound(t, delta, changes)
	assert.Equal(t, 1, pages)
	require.Len(t, got, 3, "exactly the three changes")
	byID := map[string]models.Userable{}
	for _, u := range got {
		byID[*u.GetId()] = u
	}
	ada, mary, katherine := byID[DemoAdaLovelaceID], byID[maryID], byID[DemoKatherineID]
	require.NotNil(t, ada)
	assert.Equal(t, "Research", *ada.GetDepartment(), "a user changed twice shows once, as it is now")
	assert.Equal(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), ada.GetEmployeeHireDate().UTC())
	assert.Equal(t, "Ada Lovelace", *ada.GetDisplayName(), "unchanged selected properties keep their value")
	assert.Nil(t, ada.GetAdditionalData()["@removed"])
	require.NotNil(t, mary)
	assert.Equal(t, "Mary Jackson", *mary.GetDisplayName())
	assert.Equal(t, "Engineer", *mary.GetJobTitle())
	assert.Equal(t, time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC), mary.GetEmployeeHireDate().UTC())
	require.NotNil(t, katherine)
	assert.Nil(t, katherine.GetDisplayName())
	removed, ok := katherine.GetAdditionalData()["@removed"].(map[string]any)
	require.True(t, ok, "@removed: %v", katherine.GetAdditionalData())
	reason, _ := removed["reason"].(*string)
	require.NotNil(t, reason)
	assert.Equal(t, "changed", *reason)
	assert.NotEqual(t, deltaLink, nextDelta)

	quiet, err := delta.WithUrl(nextDelta).GetAsDeltaGetResponse(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, quiet.GetValue(), "nothing changed since")
	assert.Nil(t, quiet.GetOdataNextLink())
	require.NotNil(t, quiet.GetOdataDeltaLink())
}
