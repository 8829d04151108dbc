package graphemu

import (
	"context"
	"net/http"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staticBearer authenticates every SDK request with a fixed token, as tapflow's client does against an emulator.
type staticBearer struct{}

// AuthenticateRequest implements authentication.AuthenticationProvider.
func (staticBearer) AuthenticateRequest(_ context.Context, req *abs.RequestInformation, _ map[string]interface{}) error {
	req.Headers.Add("Authorization", "Bearer sdk-batch-test")
	return nil
}

// sdkAdapter builds a msgraph-sdk-go-core request adapter for the emulator, as internal/graph does.
func sdkAdapter(t *testing.T, env *testEnv) *core.GraphRequestAdapterBase {
	t.Helper()
	jsonParse := jsonser.NewJsonParseNodeFactory()
	// GetBatchResponseById parses each response's body with the default registry.
	absser.DefaultParseNodeFactoryInstance.ContentTypeAssociatedFactories["application/json"] = jsonParse
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonParse
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	opts := core.GraphClientOptions{GraphServiceLibraryVersion: "1.89.0"}
	client := &http.Client{Transport: core.GetDefaultClient(&opts).Transport, Timeout: 10 * time.Second}
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		staticBearer{}, opts, parse, write, client)
	require.NoError(t, err)
	adapter.SetBaseUrl(env.base())
	return adapter
}

func TestBatchWithTheSDKBatchClient(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	adapter := sdkAdapter(t, env)
	instances := rolemanagement.NewRoleManagementRequestBuilderInternal(map[string]string{"baseurl": env.base()}, adapter).
		Directory().RoleEligibilityScheduleInstances()
	step := func(batch core.BatchRequest, principal string) string {
		filter := "principalId eq '" + principal + "'"
		info, err := instances.ToGetRequestInformation(ctx, &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
			QueryParameters: &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
				Filter: &filter, Expand: []string{"roleDefinition($select=id,displayName,templateId)"}},
		})
		require.NoError(t, err)
		item, err := batch.AddBatchRequestStep(*info)
		require.NoError(t, err)
		return *item.GetId()
	}
	batch := core.NewBatchRequest(adapter)
	barbara, ada := step(batch, DemoBarbaraLiskovID), step(batch, DemoAdaLovelaceID)
	res, err := batch.Send(ctx, adapter)
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{barbara: 200, ada: 200}, res.GetStatusCodes())

	got, err := core.GetBatchResponseById[models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable](
		res, barbara, models.CreateUnifiedRoleEligibilityScheduleInstanceCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	require.Len(t, got.GetValue(), 1)
	inst := got.GetValue()[0]
	assert.Equal(t, DemoBarbaraLiskovID, *inst.GetPrincipalId())
	assert.Equal(t, "Direct", *inst.GetMemberType())
	assert.Equal(t, "/", *inst.GetDirectoryScopeId())
	assert.Equal(t, "Global Administrator", *inst.GetRoleDefinition().GetDisplayName())
	assert.Equal(t, "62e90394-69f5-4237-9190-012177145e10", *inst.GetRoleDefinition().GetTemplateId())
	none, err := core.GetBatchResponseById[models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable](
		res, ada, models.CreateUnifiedRoleEligibilityScheduleInstanceCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	assert.Empty(t, none.GetValue())

	reqs := env.ctl(http.MethodGet, "/_emulator/requests", nil).arr(t)
	require.Len(t, reqs, 3, "one round trip, two operations")
	assert.Equal(t, "/v1.0/$batch", reqs[0]["path"])
	assert.Equal(t, true, reqs[1]["batched"])

	// A denied permission is that step's status; the batch itself succeeds.
	env.ctl(http.MethodPut, "/_emulator/permissions", map[string]any{"granted": []string{"User.Read.All"}})
	denied := core.NewBatchRequest(adapter)
	id := step(denied, DemoBarbaraLiskovID)
	res, err = denied.Send(ctx, adapter)
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{id: 403}, res.GetFailedResponses())
	_, err = core.GetBatchResponseById[models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable](
		res, id, models.CreateUnifiedRoleEligibilityScheduleInstanceCollectionResponseFromDiscriminatorValue)
	require.Error(t, err)
}
