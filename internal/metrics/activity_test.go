package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/internal/testkit"
)

// A Graph request made inside an activity is counted under that activity's type; one made outside, under "".
func TestGraphRequestsAreCountedByActivity(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	m := New()
	c := &http.Client{Transport: m.GraphTransport(nil)}
	get := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1.0/users/x/authentication/methods", nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(get, activity.RegisterOptions{Name: "AwaitRegistration"})
	_, err := env.ExecuteActivity("AwaitRegistration")
	require.NoError(t, err)
	_, err = env.ExecuteActivity("AwaitRegistration")
	require.NoError(t, err)
	require.NoError(t, get(context.Background()))

	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `tapflow_graph_requests_by_activity_total{activity="AwaitRegistration",method="GET",route="/users/{id}/authentication/methods"} 2`)
	require.Contains(t, out, `tapflow_graph_requests_by_activity_total{activity="",method="GET",route="/users/{id}/authentication/methods"} 1`)
}
