package benchworker

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

// TestTheBaselineRunsItsShape: the baseline runs exactly the shape's local activities and activities, the
// activities on their own task queue.
func TestTheBaselineRunsItsShape(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var local, remote atomic.Int32
	env.SetOnLocalActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { local.Add(1) })
	env.RegisterActivityWithOptions(func(ctx context.Context) error {
		remote.Add(1)
		require.Equal(t, BaselineActivityQueue, activity.GetInfo(ctx).TaskQueue)
		return nil
	}, activity.RegisterOptions{Name: "noop"})
	env.ExecuteWorkflow(BaselineWorkflow, Shape{Activities: 2, Local: 3})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.EqualValues(t, 3, local.Load())
	require.EqualValues(t, 2, remote.Load())
}

func TestHeapPath(t *testing.T) {
	require.Equal(t, "/tmp/p/worker-1-heap.pprof", HeapPath("/tmp/p/worker-1.pprof"))
}
