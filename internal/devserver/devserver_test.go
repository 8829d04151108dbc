package devserver

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func echo(_ workflow.Context, s string) (string, error) { return "echo " + s, nil }

var attrs = map[string]enumspb.IndexedValueType{"TapflowStage": enumspb.INDEXED_VALUE_TYPE_KEYWORD}

func start(t *testing.T, o Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o.Address = "127.0.0.1:0"
	o.SearchAttributes = attrs
	s, err := Start(ctx, o)
	require.NoError(t, err)
	return s
}

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddress(), Namespace: s.Namespace(), Logger: discardSDKLogger()})
	require.NoError(t, err)
	return c
}

func TestMemoryServerRunsAWorkflowAndRegistersSearchAttributes(t *testing.T) {
	s := start(t, Options{})
	defer func() { require.NoError(t, s.Stop()) }()
	require.Equal(t, "", s.DBFile())
	c := dial(t, s)
	defer c.Close()

	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(echo)
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "q"}, echo, "hi")
	require.NoError(t, err)
	var out string
	require.NoError(t, run.Get(ctx, &out))
	require.Equal(t, "echo hi", out)

	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	require.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD, sa.GetCustomAttributes()["TapflowStage"])
}

func TestBusyPortIsNamed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, err = Start(context.Background(), Options{Address: l.Addr().String()})
	var busy *PortInUseError
	require.ErrorAs(t, err, &busy)
	require.Equal(t, "temporal", busy.Part)
	require.Equal(t, l.Addr().String(), busy.Addr)
}

func TestFileServerSurvivesARestartWithTheUI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nested", "temporal.db")
	s := start(t, Options{DBFile: db, UIAddress: "127.0.0.1:0"})
	resp, err := http.Get(s.UIURL() + "/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp.Body.Close()

	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Started but never run: no worker polls "nobody", so it stays open across the restart.
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "survivor", TaskQueue: "nobody"}, echo, "later")
	require.NoError(t, err)
	_, err = os.Stat(db + "-wal")
	require.NoError(t, err, "the file runs in WAL mode")
	c.Close()
	require.NoError(t, s.Stop())
	wal, err := os.Stat(db + "-wal")
	if err == nil {
		require.Zero(t, wal.Size(), "a stopped server leaves its log folded into the file")
	}

	s = start(t, Options{DBFile: db})
	defer func() { require.NoError(t, s.Stop()) }()
	c = dial(t, s)
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, "survivor", run.GetRunID())
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus())

	// The open workflow carries on once a worker polls its queue.
	w := worker.New(c, "nobody", worker.Options{})
	w.RegisterWorkflow(echo)
	require.NoError(t, w.Start())
	defer w.Stop()
	var out string
	require.NoError(t, c.GetWorkflow(ctx, "survivor", run.GetRunID()).Get(ctx, &out))
	require.Equal(t, "echo later", out)
}

func TestInternalPortsAvoidTheEphemeralRange(t *testing.T) {
	p, err := internalPorts("127.0.0.1", "")
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, ports := range []map[string]int{p.GRPC, p.Membership} {
		for name, port := range ports {
			require.True(t, port >= internalPortLow && port < internalPortHigh, "%s port %d", name, port)
			require.False(t, seen[port], "port %d used twice", port)
			seen[port] = true
		}
	}
}
