package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
)

// Where the Graph docs disagree with each other (graph-contract §10), the client reads either form. This
// server answers with the documented variants the emulator does not produce.
func quirksServer(t *testing.T) *graph.SDK {
	t.Helper()
	mux := http.NewServeMux()
	js := func(status int, body string, headers ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i+1 < len(headers); i += 2 {
				w.Header().Set(headers[i], headers[i+1])
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	// The policy without @odata.type.
	mux.Handle("GET /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}", js(200,
		`{"id":"TemporaryAccessPass","state":"enabled","defaultLifetimeInMinutes":90,"defaultLength":12,
		"minimumLifetimeInMinutes":30,"maximumLifetimeInMinutes":600,"isUsableOnce":true,
		"includeTargets":[{"targetType":"group","id":"all_users","isRegistrationRequired":false}],"excludeTargets":[]}`))
	// The methods example: creationDateTime instead of createdDateTime, and an element without @odata.type.
	mux.Handle("GET /v1.0/users/{u}/authentication/methods", js(200, `{"value":[
		{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"-2_GRUg2-HYz6_1YG4YRAQ2","displayName":"Red key",
		 "creationDateTime":"2020-08-10T06:44:09Z","aaGuid":"2fc0579f-8113-47ea-b116-555a8db9202a","model":"NFC key",
		 "attestationCertificates":["dbe793efdf1945e2df25d93653a1e8a3268a9075"],"attestationLevel":"attested"},
		{"id":"28c10230-6103-485e-b985-444c60001490","password":null,"creationDateTime":null}]}`))
	// The beta spelling of the usability reason, without @odata.type on the element.
	mux.Handle("GET /v1.0/users/{u}/authentication/temporaryAccessPassMethods", js(200, `{"value":[{
		"id":"bdaede67-61e0-4349-9347-d2d6afd84009","temporaryAccessPass":null,"createdDateTime":"2022-06-06T16:43:04.6438213Z",
		"startDateTime":"2022-06-06T16:48:03.027Z","lifetimeInMinutes":60,"isUsableOnce":false,"isUsable":false,
		"methodUsabilityReason":"notYetValid"}]}`))
	// revokeSignInSessions answering 204, the older documented status.
	mux.HandleFunc("POST /v1.0/users/{u}/revokeSignInSessions", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	// A manager that is an orgContact.
	mux.Handle("GET /v1.0/users/{u}/manager", js(200,
		`{"@odata.type":"#microsoft.graph.orgContact","id":"c1","displayName":"Contractor Boss","mail":"boss@partner.example"}`))
	// A user whose answer lacks accountEnabled (a proxy that drops $select, say).
	mux.Handle("GET /v1.0/users/no-enabled-flag", js(200,
		`{"id":"no-enabled-flag","userPrincipalName":"x@contoso.example","displayName":"X","employeeId":"E1"}`))
	// A throttle with an HTTP-date Retry-After and the lowercase innererror key.
	mux.Handle("GET /v1.0/users/{u}", js(429,
		`{"error":{"code":"TooManyRequests","message":"Too many requests","innererror":{"code":"429"}}}`,
		"Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL, "t")
}

func TestDocumentedVariantsAreReadLeniently(t *testing.T) {
	c := quirksServer(t)
	ctx := context.Background()

	p, err := c.GetTAPPolicy(ctx)
	require.NoError(t, err)
	require.True(t, p.Enabled)
	require.Equal(t, 12, p.DefaultLength)
	require.Equal(t, 90, p.DefaultLifetimeMinutes)
	require.Equal(t, 30, p.MinLifetimeMinutes)
	require.Equal(t, 600, p.MaxLifetimeMinutes)
	require.True(t, p.UsableOnce)
	require.Equal(t, []graph.Target{{Type: "group", ID: "all_users"}}, p.IncludeTargets)

	methods, err := c.ListMethods(ctx, "u")
	require.NoError(t, err)
	require.Len(t, methods, 2)
	require.Equal(t, graph.MethodFIDO2, methods[0].Type)
	require.Equal(t, "Red key", methods[0].DisplayName)
	require.True(t, methods[0].CreatedAt.Equal(time.Date(2020, 8, 10, 6, 44, 9, 0, time.UTC)))
	require.Equal(t, graph.MethodUnknown, methods[1].Type)

	taps, err := c.ListTAPs(ctx, "u")
	require.NoError(t, err)
	require.Equal(t, "NotYetValid", taps[0].UsabilityReason)

	require.NoError(t, c.RevokeSessions(ctx, "u"))

	m, err := c.GetManager(ctx, "u")
	require.NoError(t, err)
	require.Equal(t, "boss@partner.example", m.Mail)

	_, err = c.GetUser(ctx, "u")
	var ge *graph.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, graph.KindThrottled, ge.Kind)
	require.Equal(t, "TooManyRequests", ge.Code)
	require.InDelta(t, 3*time.Second, ge.RetryAfter, float64(1500*time.Millisecond))
}

func TestConnectionFailuresAreTransient(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := newClient(t, url, "t")
	_, err := c.GetUser(context.Background(), "u")
	require.Equal(t, graph.KindTransient, graph.KindOf(err), "got %v", err)
}

// An account whose accountEnabled did not come back is read as disabled: pre-flight refuses it rather than
// issue a pass for an account it could not check.
func TestAMissingAccountEnabledReadsAsDisabled(t *testing.T) {
	c := quirksServer(t)
	u, err := c.GetUser(context.Background(), "no-enabled-flag")
	require.NoError(t, err)
	require.Equal(t, "no-enabled-flag", u.ID)
	require.False(t, u.AccountEnabled)
}

// A redirect from Graph's address is not followed, by the client or by kiota's middleware: the bearer token
// and the request go nowhere else.
func TestARedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	var token atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		token.Store(r.Header.Get("Authorization"))
	}))
	defer other.Close()
	graphSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer graphSrv.Close()
	c := newClient(t, graphSrv.URL, "secret-token")
	_, err := c.GetUser(context.Background(), "ada@contoso.example")
	require.Error(t, err)
	require.Zero(t, elsewhere.Load(), "the redirect was not followed")
	require.Nil(t, token.Load())
}
