package doctor

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
)

// TestAnEntraTokenIsCheckedAgainstItsRoles: with a JWT, every permission (writes included) is checked against
// the token's roles, the rate limit is required, and the token never reaches the checklist.
func TestAnEntraTokenIsCheckedAgainstItsRoles(t *testing.T) {
	srv := httptest.NewServer(graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed()}).Handler())
	defer srv.Close()
	g, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", StaticToken: "t"}, graph.Options{})
	require.NoError(t, err)
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"roles":["User.Read.All","UserAuthenticationMethod.Read.All",` +
		`"UserAuthMethod-TAP.ReadWrite.All","Policy.Read.AuthenticationMethod","User.RevokeSessions.All","User.EnableDisableAccount.All"]}`))
	token := "eyJhbGciOiJSUzI1NiJ9." + claims + ".c2lnbmF0dXJl"
	rep := Run(context.Background(), Target{
		TemporalAddress: "temporal.example:7233", DialErr: errors.New("connection refused"),
		Graph: g, RealGraph: true, Sender: graphemu.DemoSenderID, Watch: true,
		Token: func(context.Context) (string, error) { return token, nil },
	})
	var out bytes.Buffer
	rep.Write(&out)
	text := out.String()
	require.Contains(t, text, "[FAIL] Temporal reachable at temporal.example:7233: connection refused")
	require.Contains(t, text, "[FAIL] Graph task-queue rate limit")
	require.Contains(t, text, "[ok]   Graph token: an Entra token with 6 application permissions")
	require.Contains(t, text, "[ok]   permission to issue a TAP, revoke a TAP")
	require.Contains(t, text, "[FAIL] permission to deliver by mail: not in the token's roles\n       fix: grant the application permission Mail.Send")
	require.Contains(t, text, "[ok]   permission to disable a leaver's account")
	require.Contains(t, text, "[FAIL] permission to refuse users eligible for a role (PIM): not in the token's roles\n"+
		"       fix: grant the application permission RoleEligibilitySchedule.Read.Directory")
	require.Contains(t, text, "[FAIL] permission to keep passes inside the tenant's verified domains")
	require.Contains(t, text, "[FAIL] permission to watch registrations and passes (audit log), watch sign-ins with a pass "+
		"(sign-in log): not in the token's roles\n       fix: grant the application permission AuditLog.Read.All and Directory.Read.All")
	require.NotContains(t, text, claims, "the token is never printed")
	require.Equal(t, 7, rep.Count(Fail), text) // Temporal, rate limit, Mail.Send, the two role reads, the domains, the logs
}

func TestNoTokenStopsTheGraphChecks(t *testing.T) {
	rep := Run(context.Background(), Target{DialErr: errors.New("x"), RealGraph: true, RateLimit: 5,
		Token: func(context.Context) (string, error) { return "", errors.New("AADSTS7000215: invalid client secret") }})
	require.Equal(t, Fail, rep.Checks[len(rep.Checks)-1].Status)
	require.Contains(t, rep.Checks[len(rep.Checks)-1].Detail, "AADSTS7000215")
	require.Equal(t, "Graph task-queue rate limit", rep.Checks[3].Name)
	require.Equal(t, OK, rep.Checks[3].Status)
}

// Identity binding turned off is a warning, never green: any HR event could then name any account.
func TestIdentityBindingOffIsFlagged(t *testing.T) {
	noToken := func(context.Context) (string, error) { return "", errors.New("no credential") }
	off := Run(context.Background(), Target{DialErr: errors.New("x"), Binding: "off", Token: noToken})
	on := Run(context.Background(), Target{DialErr: errors.New("x"), Binding: "employeeId", Token: noToken})
	find := func(r Report) Check {
		for _, c := range r.Checks {
			if c.Name == "identity binding" {
				return c
			}
		}
		t.Fatal("no identity binding check")
		return Check{}
	}
	require.Equal(t, Warn, find(off).Status)
	require.Contains(t, find(off).Fix, "TAPFLOW_IDENTITY_BINDING")
	require.Equal(t, OK, find(on).Status)
}

// With delivery by pickup link, doctor checks the page's origin: https with real Graph, and answering.
func TestThePickupOriginIsChecked(t *testing.T) {
	noToken := func(context.Context) (string, error) { return "", errors.New("no credential") }
	find := func(r Report) Check {
		for _, c := range r.Checks {
			if c.Name == "pickup page" {
				return c
			}
		}
		return Check{}
	}
	plain := Run(context.Background(), Target{DialErr: errors.New("x"), Token: noToken, Pickup: true, RealGraph: true,
		PublicURL: "http://tapflow.contoso.example"})
	require.Equal(t, Fail, find(plain).Status)
	require.Contains(t, find(plain).Detail, "not https")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	up := Run(context.Background(), Target{DialErr: errors.New("x"), Token: noToken, Pickup: true, PublicURL: srv.URL})
	require.Equal(t, OK, find(up).Status)
	srv.Close()
	down := Run(context.Background(), Target{DialErr: errors.New("x"), Token: noToken, Pickup: true, PublicURL: srv.URL})
	require.Equal(t, Fail, find(down).Status)
	require.Contains(t, find(down).Detail, "not reachable")
}
