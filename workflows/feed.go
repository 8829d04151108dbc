package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/metrics"
)

// feedActs is a nil receiver for type-safe activity names.
var feedActs *activities.Feed

// ImportFeed imports an onboarding feed (a Schedule runs it): one activity reads the CSV and feeds each row
// through the intake. The result counts accepted, duplicate and rejected rows, with line numbers.
func ImportFeed(ctx workflow.Context, req activities.FeedRequest) (batch.Summary, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 30 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			MaximumAttempts: 5, NonRetryableErrorTypes: []string{activities.ErrFeedUnreadable}},
	})
	var s batch.Summary
	err := workflow.ExecuteActivity(ctx, feedActs.ImportFeed, req).Get(ctx, &s)
	workflow.GetLogger(ctx).Info("feed imported", "accepted", s.Accepted, "duplicate", s.Duplicate, "rejected", len(s.Rejected))
	metrics.ScheduleRun(workflow.GetMetricsHandler(ctx), scheduleResult(s, err)) // not recorded while replaying
	return s, err
}

// scheduleResult is a feed import's result for the schedule-runs series.
func scheduleResult(s batch.Summary, err error) string {
	switch {
	case err != nil:
		return metrics.ScheduleFailed
	case len(s.Rejected) > 0:
		return metrics.ScheduleRowsRejected
	}
	return metrics.ScheduleSucceeded
}
