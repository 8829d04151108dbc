package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
)

func TestUserManagerAndMemberships(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	u, err := f.client.GetUser(ctx, "ada.lovelace@contoso.example")
	require.NoError(t, err)
	require.Equal(t, ada, u.ID)
	require.Equal(t, "E1001", u.EmployeeID)
	require.True(t, u.AccountEnabled)

	m, err := f.client.GetManager(ctx, ada)
	require.NoError(t, err)
	require.Equal(t, grace, m.ID)
	require.Equal(t, "grace.hopper@contoso.example", m.Mail)

	_, err = f.client.GetManager(ctx, grace) // a manager without a manager
	require.True(t, graph.IsNotFound(err), "got %v", err)

	require.NoError(t, f.client.SetAccountEnabled(ctx, ada, false))
	u, err = f.client.GetUser(ctx, ada)
	require.NoError(t, err)
	require.False(t, u.AccountEnabled)

	ms, err := f.client.ListMemberships(ctx, graphemu.DemoMargaretID)
	require.NoError(t, err)
	require.Len(t, ms.Roles, 1)
	require.Equal(t, "Global Administrator", ms.Roles[0].Name)
	require.NotEmpty(t, ms.Groups)
}

func TestTAPLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	once := true

	first, err := f.client.CreateTAP(ctx, ada, graph.TAPRequest{Start: start, LifetimeMinutes: 120, UsableOnce: &once})
	require.NoError(t, err)
	require.Len(t, first.Pass.Reveal(), 8, "the policy's default length")
	require.True(t, first.Start.Equal(start))
	require.Equal(t, 120, first.LifetimeMinutes)
	require.True(t, first.UsableOnce)
	require.Equal(t, "NotYetValid", first.UsabilityReason)
	require.True(t, first.Expires().Equal(start.Add(2*time.Hour)))

	second, err := f.client.CreateTAP(ctx, ada, graph.TAPRequest{})
	require.NoError(t, err)
	require.NotEqual(t, first.Pass.Reveal(), second.Pass.Reveal())

	taps, err := f.client.ListTAPs(ctx, ada)
	require.NoError(t, err)
	require.Len(t, taps, 1, "a new pass replaces the old one")
	require.Equal(t, second.ID, taps[0].ID)
	require.Equal(t, "EnabledByPolicy", taps[0].UsabilityReason)

	methods, err := f.client.ListMethods(ctx, ada)
	require.NoError(t, err)
	var types []graph.MethodType
	for _, m := range methods {
		types = append(types, m.Type)
	}
	require.Contains(t, types, graph.MethodPassword)
	require.Contains(t, types, graph.MethodTAP)

	require.True(t, graph.IsNotFound(f.client.DeleteTAP(ctx, ada, first.ID)), "the replaced pass is gone")
	require.NoError(t, f.client.DeleteTAP(ctx, ada, second.ID))
	taps, err = f.client.ListTAPs(ctx, ada)
	require.NoError(t, err)
	require.Empty(t, taps)
}

func TestPolicyRefusalsAreInvalidRequestsWithGraphsMessage(t *testing.T) {
	f := newFixture(t)
	_, err := f.client.CreateTAP(context.Background(), ada, graph.TAPRequest{LifetimeMinutes: 600})
	var ge *graph.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, graph.KindInvalidRequest, ge.Kind)
	require.Contains(t, ge.Message, "The valid range between 60 and 480")
	require.False(t, ge.Retryable())
}

func TestPolicyAndRegisteredMethods(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.client.GetTAPPolicy(ctx)
	require.NoError(t, err)
	require.Equal(t, graph.TAPPolicy{Enabled: true, DefaultLength: 8, DefaultLifetimeMinutes: 60, MinLifetimeMinutes: 60,
		MaxLifetimeMinutes: 480, IncludeTargets: []graph.Target{{Type: "group", ID: "all_users"}}}, p)

	methods, err := f.client.ListMethods(ctx, graphemu.DemoRadiaPerlmanID)
	require.NoError(t, err)
	var fido *graph.Method
	for i := range methods {
		if methods[i].Type == graph.MethodFIDO2 {
			fido = &methods[i]
		}
	}
	require.NotNil(t, fido)
	require.Equal(t, graphemu.DemoRadiaFido2ID, fido.ID)
	require.False(t, fido.CreatedAt.IsZero())
}

func TestSendMailReachesTheOutboxWithTheBody(t *testing.T) {
	f := newFixture(t)
	err := f.client.SendMail(context.Background(), sender, graph.Mail{
		To: []string{"grace.hopper@contoso.example"}, Subject: "Welcome", Body: graph.NewPass("<p>secret</p>"), HTML: true})
	require.NoError(t, err)
	resp, err := http.Get(f.srv.URL + "/_emulator/mail")
	require.NoError(t, err)
	defer resp.Body.Close()
	var mail []struct {
		Sender, Subject, ContentType, Body string
		To                                 []string
		SaveToSentItems                    bool
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&mail))
	require.Len(t, mail, 1)
	require.Equal(t, "Welcome", mail[0].Subject)
	require.Equal(t, "<p>secret</p>", mail[0].Body)
	require.Equal(t, []string{"grace.hopper@contoso.example"}, mail[0].To)
	require.False(t, mail[0].SaveToSentItems, "a pass must not stay in Sent Items")

	err = f.client.SendMail(context.Background(), graphemu.DemoLinusPaulingID, graph.Mail{To: []string{"x@contoso.example"}, Body: graph.NewPass("b")})
	var ge *graph.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, "MailboxNotEnabledForRESTAPI", ge.Code)
}

// One request reads a user and their manager; a user without a manager reads as no manager, not an error.
func TestUserAndManagerInOneRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before := f.requestCount(t)
	u, m, err := f.client.GetUserAndManager(ctx, "ada.lovelace@contoso.example")
	require.NoError(t, err)
	require.Equal(t, ada, u.ID)
	require.Equal(t, "E1001", u.EmployeeID)
	require.True(t, u.AccountEnabled)
	require.NotNil(t, m)
	require.Equal(t, grace, m.ID)
	require.Equal(t, "grace.hopper@contoso.example", m.Mail)
	require.True(t, m.AccountEnabled, "accountEnabled is selected inside the expand")
	require.Equal(t, before+1, f.requestCount(t))

	g, m, err := f.client.GetUserAndManager(ctx, grace)
	require.NoError(t, err)
	require.Equal(t, grace, g.ID)
	require.Nil(t, m)
}
