package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/watch"
)

// The watch reads every interval from its cursor and carries the cursor on; a read Graph refuses makes it
// unhealthy without moving the cursor, and the next good read makes it healthy again; it reconciles at its
// start and then every ReconcileEvery, and continues as new after watchRunReads reads.
func TestTheTenantWatchReadsFromItsCursorAndReconciles(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(TenantWatch)
	env.RegisterActivity(&activities.Watch{})
	env.RegisterActivity(&activities.Settings{})
	settings := activities.DefaultWatchSettings()
	env.OnActivity(settingsActs.WatchSettings, mock.Anything).Return(settings, nil)
	var cursors []time.Time
	reads := 0
	env.OnActivity(watchActs.ReadTenantLogs, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.WatchRequest) (activities.WatchResult, error) {
			reads++
			cursors = append(cursors, r.Cursor.Since)
			require.Equal(t, settings.Overlap, r.Overlap)
			if reads == 3 {
				return activities.WatchResult{Cursor: r.Cursor, Problem: activities.WatchDenied}, nil
			}
			return activities.WatchResult{Cursor: watch.Cursor{Since: env.Now()}, Hints: 1}, nil
		})
	var reconciles []activities.ReconcileRequest
	env.OnActivity(watchActs.ReconcilePasses, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.ReconcileRequest) (activities.ReconcileResult, error) {
			reconciles = append(reconciles, r)
			return activities.ReconcileResult{Revoked: 1}, nil
		})
	var during []watch.Status
	for _, at := range []time.Duration{150 * time.Second, 210 * time.Second} { // after the 3rd and the 4th read
		env.RegisterDelayedCallback(func() {
			v, err := env.QueryWorkflow(watch.QueryStatus)
			require.NoError(t, err)
			var st watch.Status
			require.NoError(t, v.Get(&st))
			during = append(during, st)
		}, at)
	}
	start := env.Now().UTC()
	env.ExecuteWorkflow(TenantWatch, WatchState{})

	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "continue as new", "after its reads, a new run")
	require.Equal(t, watchRunReads, reads)
	require.True(t, start.Equal(cursors[0]), "the first read starts at the watch's start")
	require.Equal(t, cursors[2], cursors[3], "a refused read leaves the cursor")
	require.True(t, cursors[2].After(cursors[0]), "the cursor moves with the reads")
	require.False(t, during[0].Healthy)
	require.Equal(t, activities.WatchDenied, during[0].Problem)
	require.True(t, during[1].Healthy)
	require.Equal(t, 3, during[1].Hints)
	require.Len(t, reconciles, 1+int((time.Duration(watchRunReads-1)*settings.Interval)/settings.ReconcileEvery))
	require.True(t, start.Equal(reconciles[0].After))
	require.Equal(t, 25*time.Hour, reconciles[0].Lookback)
}
