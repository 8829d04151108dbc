package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
)

// The contract tests drive every Client call through the real msgraph-sdk-go client against the emulator,
// over HTTP: success, not found, throttled with a decimal Retry-After, 5xx and 401.

const (
	ada     = graphemu.DemoAdaLovelaceID
	grace   = graphemu.DemoGraceHopperID
	sender  = graphemu.DemoSenderID
	unknown = "nobody@contoso.example"
)

type fixture struct {
	srv    *httptest.Server
	client *graph.SDK
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu := graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed()})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, client: newClient(t, srv.URL, "test-token")}
}

func newClient(t *testing.T, base, token string) *graph.SDK {
	t.Helper()
	c, err := graph.New(graph.Config{BaseURL: base + "/v1.0", StaticToken: token, Timeout: 5 * time.Second}, graph.Options{})
	require.NoError(t, err)
	return c
}

// fault installs an emulator fault rule through the control API.
func (f *fixture) fault(t *testing.T, method, path string, status int, retryAfter string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"method": method, "path": path, "status": status, "retry_after": retryAfter, "count": 1})
	resp, err := http.Post(f.srv.URL+"/_emulator/faults", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

func (f *fixture) requestCount(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(f.srv.URL + "/_emulator/requests")
	require.NoError(t, err)
	defer resp.Body.Close()
	var reqs []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reqs))
	return len(reqs)
}

// call is one Client method, on a user reference, with the Graph method and path its requests match.
type call struct {
	name   string
	method string
	path   string
	do     func(ctx context.Context, c graph.Client, user string) error
}

func calls() []call {
	return []call{
		{"GetUser", "GET", `^/v1\.0/users/[^/]+$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.GetUser(ctx, u)
			return err
		}},
		{"GetManager", "GET", `/manager$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.GetManager(ctx, u)
			return err
		}},
		{"GetUserAndManager", "GET", `^/v1\.0/users/[^/]+$`, func(ctx context.Context, c graph.Client, u string) error {
			_, _, err := c.GetUserAndManager(ctx, u)
			return err
		}},
		{"ListMethods", "GET", `/authentication/methods$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.ListMethods(ctx, u)
			return err
		}},
		{"CreateTAP", "POST", `/temporaryAccessPassMethods$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.CreateTAP(ctx, u, graph.TAPRequest{LifetimeMinutes: 60})
			return err
		}},
		{"ListTAPs", "GET", `/temporaryAccessPassMethods$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.ListTAPs(ctx, u)
			return err
		}},
		{"DeleteTAP", "DELETE", `/temporaryAccessPassMethods/`, func(ctx context.Context, c graph.Client, u string) error {
			return c.DeleteTAP(ctx, u, "0b5b5d0e-0000-4000-8000-000000000000")
		}},
		{"SendMail", "POST", `/sendMail$`, func(ctx context.Context, c graph.Client, u string) error {
			return c.SendMail(ctx, u, graph.Mail{To: []string{"grace.hopper@contoso.example"}, Subject: "s", Body: graph.NewPass("b")})
		}},
		{"RevokeSessions", "POST", `/revokeSignInSessions$`, func(ctx context.Context, c graph.Client, u string) error {
			return c.RevokeSessions(ctx, u)
		}},
		{"SetAccountEnabled", "PATCH", `^/v1\.0/users/[^/]+$`, func(ctx context.Context, c graph.Client, u string) error {
			return c.SetAccountEnabled(ctx, u, false)
		}},
		{"ListMemberships", "GET", `/transitiveMemberOf$`, func(ctx context.Context, c graph.Client, u string) error {
			_, err := c.ListMemberships(ctx, u)
			return err
		}},
		{"GetTAPPolicy", "GET", `/authenticationMethodConfigurations/`, func(ctx context.Context, c graph.Client, _ string) error {
			_, err := c.GetTAPPolicy(ctx)
			return err
		}},
	}
}

func userFor(c call) string {
	if c.name == "SendMail" {
		return sender
	}
	return ada
}

func TestEveryCallSucceedsAgainstTheEmulator(t *testing.T) {
	for _, c := range calls() {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.name == "DeleteTAP" { // needs a pass to delete
				issued, err := f.client.CreateTAP(context.Background(), ada, graph.TAPRequest{})
				require.NoError(t, err)
				require.NoError(t, f.client.DeleteTAP(context.Background(), ada, issued.ID))
				return
			}
			require.NoError(t, c.do(context.Background(), f.client, userFor(c)))
		})
	}
}

func TestEveryUserCallGivesNotFoundForAnUnknownUser(t *testing.T) {
	for _, c := range calls() {
		if c.name == "GetTAPPolicy" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			err := c.do(context.Background(), f.client, unknown)
			require.True(t, graph.IsNotFound(err), "got %v", err)
			var ge *graph.Error
			require.ErrorAs(t, err, &ge)
			require.Equal(t, "Request_ResourceNotFound", ge.Code)
			require.Equal(t, http.StatusNotFound, ge.Status)
			require.Equal(t, c.name, ge.Op)
		})
	}
}

func TestEveryCallReportsThrottlingWithADecimalRetryAfterAndDoesNotRetryItself(t *testing.T) {
	for _, c := range calls() {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.fault(t, c.method, c.path, http.StatusTooManyRequests, "2.5")
			before := f.requestCount(t)
			err := c.do(context.Background(), f.client, userFor(c))
			var ge *graph.Error
			require.ErrorAs(t, err, &ge)
			require.Equal(t, graph.KindThrottled, ge.Kind)
			require.Equal(t, 2500*time.Millisecond, ge.RetryAfter)
			require.Equal(t, "TooManyRequests", ge.Code)
			require.True(t, ge.Retryable())
			require.Equal(t, before+1, f.requestCount(t), "the SDK must not retry on its own: Temporal owns retries")
		})
	}
}

func TestEveryCallReportsServerErrorsAsTransient(t *testing.T) {
	for _, c := range calls() {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.fault(t, c.method, c.path, http.StatusServiceUnavailable, "")
			err := c.do(context.Background(), f.client, userFor(c))
			require.Equal(t, graph.KindTransient, graph.KindOf(err), "got %v", err)
			var ge *graph.Error
			require.ErrorAs(t, err, &ge)
			require.Equal(t, http.StatusServiceUnavailable, ge.Status)
		})
	}
}

func TestEveryCallReportsAMissingTokenAsUnauthorized(t *testing.T) {
	for _, c := range calls() {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			blank := newClient(t, f.srv.URL, " ") // sends "Authorization: Bearer " with no token
			err := c.do(context.Background(), blank, userFor(c))
			require.Equal(t, graph.KindUnauthorized, graph.KindOf(err), "got %v", err)
			var ge *graph.Error
			require.ErrorAs(t, err, &ge)
			require.False(t, ge.Retryable())
		})
	}
}
