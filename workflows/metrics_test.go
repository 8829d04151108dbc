package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/testkit"
)

// A journey records its outcome and the time from delivery to registration through the workflow's metrics
// handler, which the worker's registry serves.
func TestJourneyMetrics(t *testing.T) {
	m := metrics.New()
	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(m.SDKHandler())
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	s := mailedSettings()
	s.MaxReissues, s.ReminderBefore = 0, 0
	env.RegisterActivity(&activities.Settings{Joiner: s, Lifecycle: activities.DefaultLifecycleSettings()})
	env.RegisterActivity(&activities.Journey{})
	env.RegisterWorkflow(Employee)
	je := &journeyEnv{t: t, env: env}
	env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(firstMorning.Add(30 * time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	require.Equal(t, OutcomeRegistered, je.run(10*24*time.Hour).Journey.Outcome)

	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `tapflow_journeys_finished_total{journey="joiner",outcome="registered"} 1`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_count{journey="joiner"} 1`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_bucket{journey="joiner",le="900"} 0`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_bucket{journey="joiner",le="3600"} 1`, "registered about 30 minutes after delivery")
	require.NotContains(t, out, "ada@contoso.example")
}

func TestScheduleRunsByResult(t *testing.T) {
	m := metrics.New()
	run := func(s batch.Summary, err error) {
		var suite testsuite.WorkflowTestSuite
		suite.SetMetricsHandler(m.SDKHandler())
		env := suite.NewTestWorkflowEnvironment()
		env.RegisterActivity(&activities.Feed{})
		env.OnActivity("ImportFeed", mock.Anything, mock.Anything).Return(s, err)
		env.ExecuteWorkflow(ImportFeed, activities.FeedRequest{Source: "feed.csv"})
		require.True(t, env.IsWorkflowCompleted())
		require.Equal(t, err != nil, env.GetWorkflowError() != nil)
	}
	run(batch.Summary{Accepted: 2}, nil)
	run(batch.Summary{Accepted: 1, Rejected: []batch.LineError{{Line: 3}}}, nil)
	run(batch.Summary{}, temporal.NewNonRetryableApplicationError("feed feed.csv: no header", activities.ErrFeedUnreadable, errors.New("x")))

	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `tapflow_schedule_runs_total{result="succeeded"} 1`)
	require.Contains(t, out, `tapflow_schedule_runs_total{result="rows_rejected"} 1`)
	require.Contains(t, out, `tapflow_schedule_runs_total{result="failed"} 1`)
}
