package stack

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/tracing"
)

const tapRoute = "/users/{id}/authentication/temporaryAccessPassMethods"

// requireJourneyMetrics checks the worker's /metrics after one joiner registered: tapflow's series with their
// labels and values, Graph requests by call and status, the SDK's series, and no employee id or user name.
func requireJourneyMetrics(t *testing.T, text string) {
	t.Helper()
	for _, want := range []string{
		`tapflow_passes_issued_total{journey="joiner"} 1`,
		`tapflow_passes_revoked_total{reason="registered"} 1`,
		`tapflow_journeys_finished_total{journey="joiner",outcome="registered"} 1`,
		`tapflow_pass_delivery_to_registration_seconds_count{journey="joiner"} 1`,
		`tapflow_graph_requests_total{method="POST",route="` + tapRoute + `",status="201"} 1`,
		`tapflow_graph_requests_total{method="DELETE",route="` + tapRoute + `/{id}",status="204"} 1`,
		`tapflow_graph_request_duration_seconds_count{method="POST",route="` + tapRoute + `"} 1`,
	} {
		require.Contains(t, text, want)
	}
	require.Regexp(t, regexp.MustCompile(`(?m)^tapflow_graph_requests_total\{method="GET",route="/users/\{id\}/authentication/methods",status="200"\} [1-9]`), text)
	require.Regexp(t, regexp.MustCompile(`(?m)^temporal_\w+`), text, "the SDK's series are served too")
	for _, pii := range []string{"E1001", "ada.lovelace", "contoso.example", graphemu.DemoAdaLovelaceID} {
		require.NotContains(t, text, pii, "no employee id, user name or object id in a label")
	}
}

// requireJourneySpans flushes the spans and checks that the workflow, its activities and the Graph calls were
// traced, with routes instead of paths; it returns every span as JSON for the pass scan.
func requireJourneySpans(t *testing.T, tr *tracing.Tracing, exp *tracetest.InMemoryExporter) []byte {
	t.Helper()
	require.NoError(t, tr.Flush(context.Background()))
	names := map[string]int{}
	routes := map[string]bool{}
	for _, s := range exp.GetSpans() {
		names[s.Name]++
		for _, a := range s.Attributes {
			if a.Key == "http.route" {
				routes[a.Value.AsString()] = true
			}
		}
	}
	// The Employee workflow runs on (an entity): its RunWorkflow span ends only with it. Its updates and the
	// activities it starts are spans of their own. The look that sees the passkey revokes the pass (DELETE).
	for _, want := range []string{"UpdateWithStartWorkflow:event", "HandleUpdate:event", "StartActivity:IssueAndDeliver", "RunActivity:Preflight", "RunActivity:IssueAndDeliver",
		"RunActivity:AwaitRegistration", "Graph POST " + tapRoute, "Graph DELETE " + tapRoute + "/{id}"} {
		require.Positive(t, names[want], "span %q; got %v", want, names)
	}
	require.True(t, routes[tapRoute], "http.route on the Graph spans: %v", routes)
	data, err := json.Marshal(exp.GetSpans())
	require.NoError(t, err)
	for _, pii := range []string{"ada.lovelace", "contoso.example", graphemu.DemoAdaLovelaceID} {
		require.NotContains(t, string(data), pii, "no user name or object id in a span")
	}
	require.True(t, strings.Contains(string(data), "employee/E1001"), "the workflow id is the one id spans carry")
	return data
}
