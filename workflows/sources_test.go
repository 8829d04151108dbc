package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

// The directory source reads a round every interval from the deltaLink the round before gave; a failed round
// makes it unhealthy and is read again from the same link; it counts outcomes and continues as new after
// directoryRunRounds rounds.
func TestTheDirectorySourceCarriesItsDeltaLink(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(DirectorySync)
	env.RegisterActivity(&activities.DirectorySync{})
	env.RegisterActivity(&activities.Settings{})
	env.OnActivity(settingsActs.DirectorySyncSettings, mock.Anything).Return(
		activities.DirectorySyncSettings{On: true, Interval: time.Minute}, nil)
	var links []string
	env.OnActivity(directoryActs.SyncDirectory, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.DirectorySyncRequest) (activities.DirectorySyncResult, error) {
			links = append(links, r.DeltaLink)
			n := len(links)
			if n == 3 {
				return activities.DirectorySyncResult{}, temporal.NewNonRetryableApplicationError("no", activities.ErrGraphForbidden, nil)
			}
			return activities.DirectorySyncResult{DeltaLink: "link-" + string(rune('a'+n)), Baseline: n == 1,
				Outcomes: map[string]int{"accepted": 1}}, nil
		})
	var during DirectoryStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(dirsync.QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
	}, 150*time.Second) // after the third round, the failed one
	env.ExecuteWorkflow(DirectorySync, DirectoryState{})

	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "continue as new")
	require.Len(t, links, directoryRunRounds)
	require.Equal(t, []string{"", "link-b", "link-c", "link-c", "link-e"}, links[:5], "a failed round is read again from its link")
	require.False(t, during.Healthy)
	require.Contains(t, during.Problem, activities.ErrGraphForbidden)
	require.Equal(t, 2, during.Rounds)
	require.Equal(t, 1, during.Baselines)
	require.Equal(t, 2, during.Outcomes["accepted"])
}

// Turned off, the directory source ends at once.
func TestTheDirectorySourceEndsWhenOff(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(DirectorySync)
	env.RegisterActivity(&activities.Settings{})
	env.OnActivity(settingsActs.DirectorySyncSettings, mock.Anything).Return(activities.DirectorySyncSettings{}, nil)
	env.ExecuteWorkflow(DirectorySync, DirectoryState{})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
}

// A vendor notice is retried while the vendor's API fails, and not when the employee is gone.
func TestAVendorNoticeIsRetriedUntilTheVendorAnswers(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(VendorNotice)
	env.RegisterActivity(&activities.Vendors{})
	tries := 0
	env.OnActivity(vendorActs.HandleNotice, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.NoticeRequest) (activities.NoticeResult, error) {
			if tries++; tries < 4 {
				return activities.NoticeResult{}, temporal.NewApplicationError("429", activities.ErrVendorUnavailable)
			}
			return activities.NoticeResult{Outcomes: map[string]int{"accepted": 1}, Fetched: true}, nil
		})
	env.ExecuteWorkflow(VendorNotice, activities.NoticeRequest{Notice: hrvendor.Notice{Vendor: "hibob", EmployeeID: "1"}})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, 4, tries)

	gone := suite.NewTestWorkflowEnvironment()
	gone.RegisterWorkflow(VendorNotice)
	gone.RegisterActivity(&activities.Vendors{})
	goneTries := 0
	gone.OnActivity(vendorActs.HandleNotice, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.NoticeRequest) (activities.NoticeResult, error) {
			goneTries++
			return activities.NoticeResult{}, temporal.NewNonRetryableApplicationError("gone", activities.ErrVendorNotFound, nil)
		})
	gone.ExecuteWorkflow(VendorNotice, activities.NoticeRequest{Notice: hrvendor.Notice{Vendor: "hibob", EmployeeID: "2"}})
	require.Error(t, gone.GetWorkflowError())
	require.Equal(t, 1, goneTries)
}
