package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// recover runs a helpdesk recovery: a pass now, waiting for a new method (the running journey, if any, stops
// first and its pass is revoked). Pre-flight refuses a disabled account; the intake refused a departed one and
// one over the daily limit.
func (w *employee) recover(ctx workflow.Context, e hrevent.Event) error {
	if reason := w.departedRefusal(); reason != "" { // a termination applied since the recovery was accepted
		w.record(e, hrevent.StatusRefused, reason)
		return nil
	}
	if err := w.stopJourney(ctx, OutcomeCancelled, "replaced by a helpdesk recovery requested by "+e.RequestedBy); err != nil {
		return err
	}
	w.state.Recoveries = append(w.state.Recoveries, workflow.Now(ctx))
	w.startJourney(ctx, journeySpec{kind: KindRecovery, event: e, user: e.Employee.User, now: true, baseline: true,
		requestedBy: e.RequestedBy})
	w.record(e, EventAccepted, "recovery journey started, requested by "+e.RequestedBy)
	return nil
}

// refuseRecovery says why a recovery may not be accepted now, or "": the employee left, or the daily limit
// (TAPFLOW_MAX_RECOVERIES_PER_DAY, counting the recoveries still queued) is reached.
func (w *employee) refuseRecovery(now time.Time) string {
	if reason := w.departedRefusal(); reason != "" {
		return reason
	}
	limit := w.lifecycle.MaxRecoveriesPerDay
	if limit <= 0 {
		limit = activities.DefaultLifecycleSettings().MaxRecoveriesPerDay
	}
	recent := 0
	for _, at := range w.state.Recoveries {
		if now.Sub(at) < 24*time.Hour {
			recent++
		}
	}
	for _, q := range w.inbox {
		if q.Type == hrevent.Recovery {
			recent++
		}
	}
	if recent >= limit {
		return fmt.Sprintf("%d recoveries in the last 24 hours already: the limit is %d per day (TAPFLOW_MAX_RECOVERIES_PER_DAY)", recent, limit)
	}
	return ""
}

// departedRefusal refuses a pass for an employee who left, or says "".
func (w *employee) departedRefusal() string {
	if l := w.state.Leaver; l != nil {
		return "the employee left on " + l.Left.Format("2006-01-02") + ": no pass for a departed user"
	}
	return ""
}
