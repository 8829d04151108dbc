package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
)

func TestRouteHidesIdsAndUPNs(t *testing.T) {
	require.Equal(t, "/users/{id}/authentication/temporaryAccessPassMethods/{id}",
		Route("/v1.0/users/ada.lovelace@contoso.example/authentication/temporaryAccessPassMethods/6f1967b7"))
	require.Equal(t, "/users/{id}", Route("/v1.0/users/11c4a5e1-7c2d-4f3a-9b8e-1d2c3b4a5e61"))
	require.Equal(t, "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
		Route("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"))
}

func TestGraphTransportCountsWithoutPII(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }))
	defer srv.Close()
	m := New()
	c := &http.Client{Transport: m.GraphTransport(nil)}
	resp, err := c.Get(srv.URL + "/v1.0/users/ada.lovelace@contoso.example?$select=mail")
	require.NoError(t, err)
	resp.Body.Close()
	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `tapflow_graph_requests_total{method="GET",route="/users/{id}",status="429"} 1`)
	require.NotContains(t, out, "ada.lovelace")
}

func TestSDKHandlerFixesLabelsOnFirstUse(t *testing.T) {
	m := New()
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default", "task-queue": "tapflow"})
	h.Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"extra": "dropped"}).Counter("temporal_request").Inc(1)
	m.SDKHandler().Counter("temporal_request").Inc(1) // missing labels become ""
	h.Gauge("temporal_worker_task_slots_available").Update(5)
	h.Timer("temporal_request_latency").Record(250 * time.Millisecond)
	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `temporal_request_total{namespace="default",task_queue="tapflow"} 3`)
	require.Contains(t, out, `temporal_request_total{namespace="",task_queue=""} 1`)
	require.Contains(t, out, `temporal_worker_task_slots_available{namespace="default",task_queue="tapflow"} 5`)
	require.Contains(t, out, `temporal_request_latency_seconds_count{namespace="default",task_queue="tapflow"} 1`)
	require.False(t, strings.Contains(out, "dropped"))
}
