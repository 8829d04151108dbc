package devserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/devserver"
	"github.com/tapflow/tapflow/internal/pgtest"
)

func hello(_ workflow.Context, s string) (string, error) { return "hello " + s, nil }

// On PostgreSQL the schema is created by the server's own tooling, several history shards serve workflows,
// visibility lists them, and a second start on the same databases finds everything where it was.
func TestPostgresServerKeepsStateAcrossRestarts(t *testing.T) {
	dsn := pgtest.DSN(t)
	attrs := map[string]enumspb.IndexedValueType{"TapflowStage": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	open := func() *devserver.Server {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := devserver.Start(ctx, devserver.Options{Address: "127.0.0.1:0", Postgres: dsn, HistoryShards: 4,
			SearchAttributes: attrs})
		require.NoError(t, err)
		return s
	}
	s := open()
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddress()})
	require.NoError(t, err)
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(hello)
	require.NoError(t, w.Start())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} { // spread over the shards
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wf-" + id, TaskQueue: "q"}, hello, id)
		require.NoError(t, err)
		var out string
		require.NoError(t, run.Get(ctx, &out))
		require.Equal(t, "hello "+id, out)
	}
	w.Stop()
	c.Close()
	require.NoError(t, s.Stop())

	s = open() // the schema is already current: nothing to do, nothing lost
	defer func() { require.NoError(t, s.Stop()) }()
	c, err = client.Dial(client.Options{HostPort: s.FrontendAddress()})
	require.NoError(t, err)
	defer c.Close()
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	require.Contains(t, sa.GetCustomAttributes(), "TapflowStage")
	for _, id := range []string{"a", "f"} {
		var out string
		require.NoError(t, c.GetWorkflow(ctx, "wf-"+id, "").Get(ctx, &out))
		require.Equal(t, "hello "+id, out)
	}
	require.Eventually(t, func() bool {
		n, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: "default",
			Query: "ExecutionStatus = 'Completed'"})
		return err == nil && n.GetCount() == 6
	}, 30*time.Second, 200*time.Millisecond, "visibility on PostgreSQL lists the six workflows")
}
