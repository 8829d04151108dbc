package graphemu

import (
	"context"
	"net/http"
	"testing"
	"time"

	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPagingDirectoryAuditsWithTheSDK(t *testing.T) {
	env := newLogEnv(t, LogOptions{})
	registerKeys(t, env, 3) // 09:00:00 .. 09:00:02, by Ada herself; the clock is at 09:00:03
	env.clock.Advance(time.Minute)
	created := env.graph(http.MethodPost, adaTAPs, map[string]any{"isUsableOnce": true}).obj(t)
	require.Equal(t, http.StatusCreated, env.ctl(http.MethodPost, "/_emulator/users/"+DemoKatherineID+"/tap",
		map[string]any{"by": DemoGraceHopperID}).status)

	ctx := context.Background()
	adapter := sdkAdapter(t, env)
	builder := auditlogs.NewAuditLogsRequestBuilderInternal(map[string]string{"baseurl": env.base()}, adapter).DirectoryAudits()
	filter := "activityDateTime ge 2025-06-02T09:00:01Z and loggedByService eq 'Authentication Methods'"
	top := int32(2)
	first, err := builder.Get(ctx, &auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.DirectoryAuditsRequestBuilderGetQueryParameters{Filter: &filter, Top: &top}})
	require.NoError(t, err)
	require.NotNil(t, first.GetOdataNextLink(), "four entries match, two a page")

	it, err := core.NewPageIterator[models.DirectoryAuditable](first, adapter, models.CreateDirectoryAuditCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	var got []models.DirectoryAuditable
	require.NoError(t, it.Iterate(ctx, func(a models.DirectoryAuditable) bool {
		got = append(got, a)
		return true
	}))
	require.Len(t, got, 4, "the key registered at 09:00:00 is before the filter")

	shadow, app := got[0], got[1]
	assert.Equal(t, "Admin registered security info", *shadow.GetActivityDisplayName())
	assert.Nil(t, shadow.GetInitiatedBy().GetApp())
	assert.Equal(t, DemoGraceHopperID, *shadow.GetInitiatedBy().GetUser().GetId())
	assert.Equal(t, DemoKatherineID, *shadow.GetTargetResources()[0].GetId())

	assert.Equal(t, time.Date(2025, 6, 2, 9, 1, 3, 0, time.UTC), app.GetActivityDateTime().UTC())
	assert.Equal(t, "User registered security info", *app.GetActivityDisplayName())
	assert.Equal(t, models.SUCCESS_OPERATIONRESULT, *app.GetResult())
	assert.Equal(t, LoggedByAuthenticationMethods, *app.GetLoggedByService())
	assert.Equal(t, DefaultAppID, *app.GetInitiatedBy().GetApp().GetAppId())
	assert.Nil(t, app.GetInitiatedBy().GetUser())
	target := app.GetTargetResources()[0]
	assert.Equal(t, DemoAdaLovelaceID, *target.GetId())
	assert.Equal(t, "User", *target.GetTypeEscaped(), "read from \"type\"")
	assert.Equal(t, "ada.lovelace@contoso.example", *target.GetUserPrincipalName())
	assert.Equal(t, "AccessPassUsage", *target.GetModifiedProperties()[0].GetDisplayName())
	details := map[string]string{}
	for _, kv := range app.GetAdditionalDetails() {
		details[*kv.GetKey()] = *kv.GetValue()
	}
	assert.Equal(t, map[string]string{"AuthenticationMethod": "Temporary Access Pass",
		"AuthenticationMethodId": created["id"].(string)}, details)

	for _, a := range got[2:] {
		assert.Equal(t, "User registered Fido2 Authentication Method", *a.GetResultReason())
	}
	assert.True(t, got[2].GetActivityDateTime().After(*got[3].GetActivityDateTime()), "newest first")
}
