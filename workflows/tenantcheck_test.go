package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/activities"
)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Directory{})
	return env
}

var goodPolicy = activities.TAPPolicy{Enabled: true, DefaultLength: 8, DefaultLifetimeMinutes: 60,
	MinLifetimeMinutes: 60, MaxLifetimeMinutes: 480, IncludeGroups: []string{"all_users"}}

func TestCheckTenantReady(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(directory.ReadTAPPolicy, mock.Anything).Return(goodPolicy, nil)
	env.ExecuteWorkflow(CheckTenant)
	require.NoError(t, env.GetWorkflowError())
	var r TenantReport
	require.NoError(t, env.GetWorkflowResult(&r))
	require.True(t, r.Ready)
	require.Empty(t, r.Problems)
}

func TestCheckTenantListsEveryProblem(t *testing.T) {
	env := newEnv(t)
	bad := goodPolicy
	bad.Enabled = false
	bad.IncludeGroups = nil
	bad.MinLifetimeMinutes = 600
	env.OnActivity(directory.ReadTAPPolicy, mock.Anything).Return(bad, nil)
	env.ExecuteWorkflow(CheckTenant)
	var r TenantReport
	require.NoError(t, env.GetWorkflowResult(&r))
	require.False(t, r.Ready)
	require.Len(t, r.Problems, 3)
}

func TestCheckTenantRetriesThrottlingButNotPermanentErrors(t *testing.T) {
	env := newEnv(t)
	calls := 0
	env.OnActivity(directory.ReadTAPPolicy, mock.Anything).Return(func(context.Context) (activities.TAPPolicy, error) {
		calls++
		if calls < 3 {
			return activities.TAPPolicy{}, temporal.NewApplicationErrorWithOptions("throttled", activities.ErrGraphThrottled,
				temporal.ApplicationErrorOptions{NextRetryDelay: 2500 * time.Millisecond})
		}
		return goodPolicy, nil
	})
	env.ExecuteWorkflow(CheckTenant)
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, 3, calls)

	env = newEnv(t)
	calls = 0
	env.OnActivity(directory.ReadTAPPolicy, mock.Anything).Return(func(context.Context) (activities.TAPPolicy, error) {
		calls++
		// A plain (retryable) error of a type the retry policy lists as non-retryable: the policy must stop it.
		return activities.TAPPolicy{}, temporal.NewApplicationError("forbidden", activities.ErrGraphForbidden)
	})
	env.ExecuteWorkflow(CheckTenant)
	err := env.GetWorkflowError()
	require.Error(t, err)
	var actErr *temporal.ActivityError
	require.True(t, errors.As(err, &actErr))
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(actErr.Unwrap(), &appErr))
	require.Equal(t, activities.ErrGraphForbidden, appErr.Type())
	require.Equal(t, 1, calls)
}
