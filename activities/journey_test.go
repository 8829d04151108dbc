package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
)

// These tests run the activities against the Graph emulator through the real msgraph-sdk-go client.

type recorder struct{ entries []audit.Entry }

func (r *recorder) Record(_ context.Context, e audit.Entry) { r.entries = append(r.entries, e) }

type fixture struct {
	srv   *httptest.Server
	j     *Journey
	audit *recorder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := httptest.NewServer(graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed()}).Handler())
	t.Cleanup(srv.Close)
	g, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", StaticToken: "t"}, graph.Options{})
	require.NoError(t, err)
	rec := &recorder{}
	return &fixture{srv: srv, audit: rec, j: &Journey{Graph: g, Audit: rec, Settings: DefaultJoinerSettings(),
		Delivery: &delivery.Courier{Graph: g, Sender: graphemu.DemoSenderID}}}
}

func (f *fixture) control(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+"/_emulator"+path, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, path)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}

func TestPreflightFindsWhatStopsAPass(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	ok, err := f.j.Preflight(ctx, PreflightRequest{User: "ada.lovelace@contoso.example", EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Empty(t, ok.Refusal)
	require.Equal(t, graphemu.DemoAdaLovelaceID, ok.UserID)
	require.False(t, ok.Privileged)
	require.True(t, ok.Policy.Enabled)

	missing, err := f.j.Preflight(ctx, PreflightRequest{User: "nobody@contoso.example", EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Equal(t, RefusedUserNotFound, missing.Refusal)

	admin, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoMargaretID, EmployeeID: "E1004"})
	require.NoError(t, err)
	require.True(t, admin.Privileged)
	require.Equal(t, []string{"Global Administrator"}, admin.Roles)

	has, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoRadiaPerlmanID, EmployeeID: "E0999"})
	require.NoError(t, err)
	require.Equal(t, []string{"fido2"}, has.StrongMethods)

	f.control(t, "PUT", "/policy", `{"state":"enabled","defaultLength":8,"defaultLifetimeInMinutes":60,"minimumLifetimeInMinutes":60,
		"maximumLifetimeInMinutes":480,"includeTargets":[{"targetType":"group","id":"`+graphemu.DemoAllStaffGroupID+`"}],
		"excludeTargets":[{"targetType":"group","id":"`+graphemu.DemoNewJoinersGroupID+`"}]}`, nil)
	out, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Equal(t, RefusedOutOfPolicyScope, out.Refusal)

	f.control(t, "PUT", "/policy", `{"state":"disabled","defaultLength":8,"defaultLifetimeInMinutes":60,"minimumLifetimeInMinutes":60,
		"maximumLifetimeInMinutes":480,"includeTargets":[{"targetType":"group","id":"all_users"}]}`, nil)
	off, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Equal(t, RefusedTAPDisabled, off.Refusal)
}

type emuUser struct {
	IssuedPasses        []string `json:"issuedPasses"`
	TemporaryAccessPass *struct {
		ID string `json:"id"`
	} `json:"temporaryAccessPass"`
}

func TestIssueAndDeliverMailsTheManagerAndReturnsNoSecret(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	res, err := f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, Start: start, Reason: "joiner"})
	require.NoError(t, err)
	require.Empty(t, res.Refusal)
	require.True(t, res.Expires.Equal(start.Add(8*time.Hour)))
	var u emuUser
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &u)
	require.Len(t, u.IssuedPasses, 1)
	require.Equal(t, res.MethodID, u.TemporaryAccessPass.ID)
	js, _ := json.Marshal(res)
	require.NotContains(t, string(js), u.IssuedPasses[0])
	var mail []struct{ To []string }
	f.control(t, "GET", "/mail", "", &mail)
	require.Equal(t, []string{"grace.hopper@contoso.example"}, mail[0].To)
	require.Equal(t, []string{"tap.issued", "tap.delivered"}, []string{f.audit.entries[0].Action, f.audit.entries[1].Action})
}

func TestNoManagerMailboxIssuesNothingUnlessThereIsAFallback(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := IssueRequest{EmployeeID: "E1003", UserID: graphemu.DemoDorothyVaughanID}
	res, err := f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Equal(t, RefusedNoDeliveryTarget, res.Refusal)
	var u emuUser
	f.control(t, "GET", "/users/"+graphemu.DemoDorothyVaughanID, "", &u)
	require.Empty(t, u.IssuedPasses, "no pass without somebody to give it to")

	f.j.Settings.FallbackRecipient = "helpdesk@contoso.example"
	res, err = f.j.IssueAndDeliver(ctx, req)
	require.NoError(t, err)
	require.Empty(t, res.Refusal)
	var mail []struct{ To []string }
	f.control(t, "GET", "/mail", "", &mail)
	require.Equal(t, []string{"helpdesk@contoso.example"}, mail[0].To)
}

func TestFailedDeliveryRevokesThePassAndFailsRetryably(t *testing.T) {
	f := newFixture(t)
	f.control(t, "POST", "/faults", `{"method":"POST","path":"/sendMail$","status":503,"count":1}`, nil)
	_, err := f.j.IssueAndDeliver(context.Background(), IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID})
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.Equal(t, ErrGraphTransient, app.Type())
	var u emuUser
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &u)
	require.Len(t, u.IssuedPasses, 1)
	require.Nil(t, u.TemporaryAccessPass, "the undelivered pass was revoked")
	require.NotContains(t, err.Error(), u.IssuedPasses[0])
}

func TestRevokeIsIdempotentAndRegistrationIsSeen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID})
	require.NoError(t, err)
	req := RegistrationRequest{UserID: graphemu.DemoAdaLovelaceID}
	_, err = f.j.AwaitRegistration(ctx, req)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.Equal(t, ErrNotRegisteredYet, app.Type())
	f.control(t, "POST", "/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod","displayName":"Laptop"}`, nil)
	reg, err := f.j.AwaitRegistration(ctx, req)
	require.NoError(t, err)
	require.Equal(t, "windowsHelloForBusiness", reg.MethodType)

	rr := RevokeRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, MethodID: res.MethodID, Reason: "registered"}
	require.NoError(t, f.j.RevokeTAP(ctx, rr))
	require.NoError(t, f.j.RevokeTAP(ctx, rr), "a pass already gone is success")
	rr.MethodID = ""
	require.NoError(t, f.j.RevokeTAP(ctx, rr), "revoke whatever the user holds: nothing")
}

func TestNotifyReachesManagerAndFallback(t *testing.T) {
	f := newFixture(t)
	f.j.Settings.FallbackRecipient = "helpdesk@contoso.example"
	_, err := f.j.Notify(context.Background(), NotifyRequest{Kind: delivery.KindExpired, EmployeeID: "E1001",
		UserID: graphemu.DemoAdaLovelaceID, Expires: time.Now(), Reissue: true})
	require.NoError(t, err)
	var mail []struct {
		To      []string
		Subject string
		Body    string
	}
	f.control(t, "GET", "/mail", "", &mail)
	require.Equal(t, []string{"grace.hopper@contoso.example", "helpdesk@contoso.example"}, mail[0].To)
	require.Contains(t, mail[0].Subject, "expired unused")
	require.Contains(t, mail[0].Body, "A new pass will be sent on the next working morning")
}

// The pass lasts the worker's configured lifetime, fitted into the tenant policy (the emulator's: 60 to 480
// minutes): the workflow does not carry the setting.
func TestThePassLastsTheConfiguredLifetimeWithinThePolicy(t *testing.T) {
	for _, c := range []struct {
		want int
		got  time.Duration
	}{{480, 8 * time.Hour}, {24 * 60, 8 * time.Hour}, {30, time.Hour}} {
		f := newFixture(t)
		f.j.Settings.LifetimeMinutes = c.want
		start := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		res, err := f.j.IssueAndDeliver(context.Background(), IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, Start: start})
		require.NoError(t, err)
		require.Equal(t, c.got, res.Expires.Sub(start), "%d minutes wanted", c.want)
	}
	p := TAPPolicy{DefaultLifetimeMinutes: 60, MinLifetimeMinutes: 60, MaxLifetimeMinutes: 480}
	require.Equal(t, 480, ClampLifetime(8*60, p), "8 hours, within the policy's 60-480")
	require.Equal(t, 60, ClampLifetime(0, p), "the policy's default")
	require.Equal(t, 10, ClampLifetime(1, TAPPolicy{}), "Graph's minimum")
}

// A newly privileged mover's journey counts only phishing-resistant methods: Microsoft Authenticator, strong
// by default, does not complete it.
func TestPhishingResistantStrengthIgnoresAuthenticator(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.control(t, "POST", "/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","displayName":"Phone"}`, nil)
	configured, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001"})
	require.NoError(t, err)
	require.Equal(t, []string{"microsoftAuthenticator"}, configured.StrongMethods)
	resistant, err := f.j.Preflight(ctx, PreflightRequest{User: graphemu.DemoAdaLovelaceID, EmployeeID: "E1001", Strength: StrengthPhishingResistant})
	require.NoError(t, err)
	require.Empty(t, resistant.StrongMethods)
	_, err = f.j.AwaitRegistration(ctx, RegistrationRequest{UserID: graphemu.DemoAdaLovelaceID, Strength: StrengthPhishingResistant})
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.Equal(t, ErrNotRegisteredYet, app.Type())
}
