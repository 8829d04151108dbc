package workflows

import (
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/watch"
)

// watchActs is the watch's activities' type-safe name.
var watchActs *activities.Watch

// watchRunReads is how many reads one run of the watch makes before it continues as new: its history stays
// a few hundred events, and new settings apply.
const watchRunReads = 120

// WatchState is what the tenant watch carries from run to run.
type WatchState struct {
	Cursor  watch.Cursor `json:"cursor"`
	Status  watch.Status `json:"status"`
	Started time.Time    `json:"started,omitzero"` // the watch's first read: reconciliation looks no earlier
}

// TenantWatch is the namespace's one tenant watch (id watch.WorkflowID), started by the workers: every interval
// it reads the tenant's audit and sign-in logs since its cursor, tells the journeys what the logs say about
// their users, raises alerts, and now and then reconciles tapflow's passes with the open journeys. It continues
// as new after watchRunReads reads; it ends when the workers' settings turn it off.
func TenantWatch(ctx workflow.Context, state WatchState) error {
	w := &tenantWatch{state: state, logger: workflow.GetLogger(ctx)}
	if err := w.setup(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

// tenantWatch is one run of the watch.
type tenantWatch struct {
	state    WatchState
	settings activities.WatchSettings
	logger   log.Logger
}

// setup answers the status query and reads the settings.
func (w *tenantWatch) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, watch.QueryStatus, func() (watch.Status, error) { return w.state.Status, nil }); err != nil {
		return err
	}
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteLocalActivity(local, settingsActs.WatchSettings).Get(ctx, &w.settings)
}

// run reads the logs every interval, reconciles every ReconcileEvery, and continues as new.
func (w *tenantWatch) run(ctx workflow.Context) error {
	if !w.settings.On {
		w.state.Status.Healthy, w.state.Status.Problem = false, "off"
		return nil
	}
	interval := max(w.settings.Interval, 10*time.Second)
	w.state.Status.Interval = interval
	if w.state.Started.IsZero() {
		w.state.Started = workflow.Now(ctx)
		w.state.Status.Started = w.state.Started
		w.state.Cursor.Since = w.state.Started
	}
	for range watchRunReads {
		w.read(ctx)
		if w.reconcileDue(ctx) {
			w.reconcile(ctx)
		}
		if err := workflow.Sleep(ctx, interval); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, TenantWatch, w.state)
}

// watchOptions: one read, a few tries for a crashed worker; a log Graph refuses is a result, not an error.
func watchOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           GraphTaskQueue,
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumAttempts: 3,
			NonRetryableErrorTypes: activities.NonRetryableGraphErrors()},
	})
}

// read reads both logs once and records how it went.
func (w *tenantWatch) read(ctx workflow.Context) {
	var res activities.WatchResult
	err := workflow.ExecuteActivity(watchOptions(ctx), watchActs.ReadTenantLogs,
		activities.WatchRequest{Cursor: w.state.Cursor, Overlap: w.settings.Overlap}).Get(ctx, &res)
	st := &w.state.Status
	st.LastRead = workflow.Now(ctx)
	switch {
	case err != nil:
		w.unhealthy(activities.WatchUnavailable, err)
	case res.Problem == activities.WatchThrottled:
		st.Problem = res.Problem // a throttled read is tried at the next interval; health holds while it is fresh
	case res.Problem != "":
		w.unhealthy(res.Problem, nil)
	default:
		w.state.Cursor = res.Cursor
		st.Healthy, st.Problem, st.LastSuccess, st.Since = true, "", st.LastRead, res.Cursor.Since
		st.Hints, st.SignIns, st.Alerts = st.Hints+res.Hints, st.SignIns+res.SignIns, st.Alerts+res.Alerts
	}
}

// unhealthy records a read that failed; journeys see it within their next look and go back to their schedule.
func (w *tenantWatch) unhealthy(problem string, err error) {
	if w.state.Status.Healthy || w.state.Status.Problem != problem {
		w.logger.Warn("the tenant watch cannot read the logs: journeys poll on their own schedule", "problem", problem, "error", err)
	}
	w.state.Status.Healthy, w.state.Status.Problem = false, problem
}

// reconcileDue says a reconciliation is due: never yet in this watch's life, or ReconcileEvery ago.
func (w *tenantWatch) reconcileDue(ctx workflow.Context) bool {
	every := w.settings.ReconcileEvery
	return every > 0 && workflow.Now(ctx).Sub(w.state.Status.Reconciled) >= every
}

// reconcile checks tapflow's passes against the open journeys and revokes the orphans.
func (w *tenantWatch) reconcile(ctx workflow.Context) {
	var res activities.ReconcileResult
	err := workflow.ExecuteActivity(watchOptions(ctx), watchActs.ReconcilePasses, activities.ReconcileRequest{
		Lookback: w.lookback(), After: w.state.Started, Settle: w.settings.Settle}).Get(ctx, &res)
	if err != nil || res.Problem != "" {
		w.logger.Warn("reconciliation did not run; it is tried again at the next read", "problem", res.Problem, "error", err)
		return
	}
	w.state.Status.Reconciled = workflow.Now(ctx)
	w.state.Status.Orphans += res.Revoked
}

// lookback is how far back a pass tapflow created can still be live: its longest lifetime (at least a day, for
// a policy minimum above the setting), and an hour more.
func (w *tenantWatch) lookback() time.Duration {
	return max(w.settings.PassLifetime, 24*time.Hour) + time.Hour
}
