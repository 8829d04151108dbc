package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// lookup is a workflow whose one activity reads a user from "Graph" by user name.
func lookup(ctx workflow.Context, user string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	return workflow.ExecuteActivity(ctx, "ReadUser", user).Get(ctx, nil)
}

type reader struct {
	client *http.Client
	base   string
}

// ReadUser fails the way a Graph activity does, with Graph's message naming the user.
func (r *reader) ReadUser(ctx context.Context, user string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/v1.0/users/"+user+"?$select=id", nil)
	if err != nil {
		return err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("read the user: Resource '%s' does not exist", user), "GraphNotFound", nil)
}

// The Temporal interceptor makes the workflow and its activity spans, the Graph call is a child of the activity's
// span, and neither the user name nor Graph's message (which names the user) is in any span.
func TestWorkflowActivityAndGraphSpans(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer srv.Close()
	exp := tracetest.NewInMemoryExporter()
	tr := New("tapflow-worker", exp)
	i, err := tr.Interceptor()
	require.NoError(t, err)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{i}})
	env.RegisterWorkflow(lookup)
	env.RegisterActivity(&reader{client: &http.Client{Transport: tr.GraphTransport(nil)}, base: srv.URL})
	env.ExecuteWorkflow(lookup, upn)
	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "does not exist")
	require.NoError(t, tr.Flush(context.Background())) // not Shutdown: the in-memory exporter forgets on shutdown

	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	require.Contains(t, byName, "RunWorkflow:lookup")
	require.Contains(t, byName, "StartActivity:ReadUser")
	act, graph := byName["RunActivity:ReadUser"], byName["Graph GET /users/{id}"]
	require.True(t, act.SpanContext.IsValid(), "spans: %v", names(exp))
	require.True(t, graph.SpanContext.IsValid(), "spans: %v", names(exp))
	require.Equal(t, act.SpanContext.SpanID(), graph.Parent.SpanID(), "the Graph call is part of the activity")
	require.Equal(t, act.SpanContext.TraceID(), byName["RunWorkflow:lookup"].SpanContext.TraceID())
	require.Equal(t, trace.SpanKindClient, graph.SpanKind)
	require.NotEmpty(t, act.Events)
	require.Equal(t, "GraphNotFound", act.Events[0].Attributes[0].Value.AsString(), "the error's type is kept")
	all := spansJSON(t, exp)
	require.NotContains(t, all, "ada.lovelace")
	require.NotContains(t, all, "does not exist", "no error message")
}

func names(exp *tracetest.InMemoryExporter) string {
	var out []string
	for _, s := range exp.GetSpans() {
		out = append(out, s.Name)
	}
	return strings.Join(out, ", ")
}
