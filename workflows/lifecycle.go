package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// phishingResistant are the method types a privileged user must hold.
func phishingResistant() []string {
	return []string{"fido2", "windowsHelloForBusiness", "platformCredential"}
}

// loadLifecycle reads the lifecycle settings once per run (a local activity, recorded).
func (w *employee) loadLifecycle(ctx workflow.Context) {
	w.lifecycle = activities.DefaultLifecycleSettings()
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(local, settingsActs.LifecycleSettings).Get(ctx, &w.lifecycle); err != nil {
		w.logger.Warn("lifecycle settings not read; using the defaults", "error", err)
	}
}

// refuseRecovery says why a recovery may not go ahead now, or "".
func (w *employee) refuseRecovery(now time.Time) string {
	if l := w.state.Leaver; l != nil {
		return "the employee left on " + l.Left.Format("2006-01-02") + ": no pass for a departed user"
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

// hire starts a joiner journey, or a rehire's, unless the employee left after this hire in HR time.
func (w *employee) hire(ctx workflow.Context, e hrevent.Event) {
	if l := w.state.Leaver; l != nil {
		// A rehire is a hire sent after the termination and starting after the employee left; anything else is
		// the old hire arriving late (a batch or a CLI stamps occurred_at with the time it is sent).
		if !e.OccurredAt.After(l.OccurredAt) || e.Employee.StartDate <= l.Left.Format("2006-01-02") {
			w.record(e, EventStale, "ignored: the employee left ("+l.EventID+") after this hire")
			return
		}
		w.state.Leaver = nil
		w.startSpec(ctx, journeySpec{kind: "joiner", event: e, user: e.Employee.User, rehire: true})
		w.record(e, EventAccepted, "rehire: joiner journey started")
		return
	}
	w.startJourney(ctx, e)
	w.record(e, EventAccepted, "joiner journey started")
}

// jobChange records a move and, when it calls for one, runs a re-registration journey: on request (a device
// refresh), or when the employee becomes privileged without a phishing-resistant method.
func (w *employee) jobChange(ctx workflow.Context, e hrevent.Event, active bool) {
	c := e.Changes
	becomesPrivileged := c.Privileged != nil && *c.Privileged && (w.state.Changes.Privileged == nil || !*w.state.Changes.Privileged)
	if c.Department != "" {
		w.state.Changes.Department = c.Department
	}
	if c.JobTitle != "" {
		w.state.Changes.JobTitle = c.JobTitle
	}
	if c.Privileged != nil {
		w.state.Changes.Privileged = c.Privileged
	}
	user := w.knownUser(e)
	switch {
	case !c.Reregister && !becomesPrivileged:
		w.record(e, EventAccepted, "job change recorded")
	case w.state.Leaver != nil:
		w.record(e, EventAccepted, "job change recorded; the employee has left: no re-registration")
	case user == "":
		w.record(e, EventAccepted, "job change recorded; no Entra user is known for this employee: send employee.user to re-register")
	case active:
		w.state.PendingMover = &e // started when the running journey ends
		w.record(e, EventAccepted, "job change recorded; its re-registration starts when the running journey ends")
	case c.Reregister:
		w.startSpec(ctx, journeySpec{kind: "mover", event: e, user: user, now: true, baseline: true})
		w.record(e, EventAccepted, "re-registration journey started")
	default:
		// Privileged now: done already if a phishing-resistant method is registered (pre-flight says so).
		w.startSpec(ctx, journeySpec{kind: "mover", event: e, user: user, now: true, strong: phishingResistant()})
		w.record(e, EventAccepted, "privileged: phishing-resistant registration journey started")
	}
}

// startPendingMover starts a re-registration that waited for the previous journey to end.
func (w *employee) startPendingMover(ctx workflow.Context) {
	e := *w.state.PendingMover
	w.state.PendingMover = nil
	user := w.knownUser(e)
	if w.state.Leaver != nil || user == "" {
		return
	}
	if e.Changes.Reregister {
		w.startSpec(ctx, journeySpec{kind: "mover", event: e, user: user, now: true, baseline: true})
		return
	}
	w.startSpec(ctx, journeySpec{kind: "mover", event: e, user: user, now: true, strong: phishingResistant()})
}

// recover runs a helpdesk recovery: a pass now (the running journey, if any, stops first and its pass is
// revoked). Pre-flight refuses a disabled account; the handler refused a departed one and the daily limit.
func (w *employee) recover(ctx workflow.Context, e hrevent.Event, active bool) {
	if reason := w.refuseRecoveryApplied(); reason != "" {
		w.record(e, hrevent.StatusRefused, reason)
		return
	}
	if active {
		w.stop(OutcomeCancelled, "replaced by a helpdesk recovery requested by "+e.RequestedBy)
		_ = workflow.Await(ctx, func() bool { return !w.running })
	}
	w.state.Recoveries = append(w.state.Recoveries, workflow.Now(ctx))
	w.startSpec(ctx, journeySpec{kind: "recovery", event: e, user: e.Employee.User, now: true, baseline: true,
		requestedBy: e.RequestedBy})
	w.record(e, EventAccepted, "recovery journey started, requested by "+e.RequestedBy)
}

// refuseRecoveryApplied rechecks, when a queued recovery is applied, what may have changed since it was
// accepted (a termination in between).
func (w *employee) refuseRecoveryApplied() string {
	if l := w.state.Leaver; l != nil {
		return "the employee left on " + l.Left.Format("2006-01-02") + ": no pass for a departed user"
	}
	return ""
}

// knownUser is the Entra user for an event: its own, else the last one HR sent.
func (w *employee) knownUser(e hrevent.Event) string {
	if e.Employee.User != "" {
		return e.Employee.User
	}
	if j := w.state.Journey; j != nil && j.UserID != "" {
		return j.UserID
	}
	return w.state.User
}

// depart carries out a termination: the running journey stops (revoking its pass), then every pass the user
// holds is revoked, their sessions revoked and, when configured, the account disabled.
func (w *employee) depart(ctx workflow.Context, e hrevent.Event) {
	if w.running {
		if !w.cancelling && !w.ending { // a journey that is ending (revoking after registration) finishes as it is
			w.stop(OutcomeDeparted, "the employee left")
		}
		_ = workflow.Await(ctx, func() bool { return !w.running })
	}
	w.state.LeaveAt = time.Time{}
	l := &Leaver{EventID: e.ID, OccurredAt: e.OccurredAt, Outcome: OutcomeDeparted}
	user := w.knownUser(e)
	if user == "" {
		l.Reason = "No Entra user is known for this employee: nothing was revoked in Entra."
	} else {
		var res activities.DepartResult
		err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Depart, activities.DepartRequest{
			EmployeeID: w.state.EmployeeID, User: user, Disable: w.lifecycle.DisableOnLeave, Reason: "departed"}).Get(ctx, &res)
		switch {
		case err != nil:
			// Passes, sessions or the account may still be live: keep the termination and try again.
			l.Outcome, l.Reason = failureOutcome(err)
			l.Outcome = "depart_failed: " + l.Outcome
			l.Reason += " tapflow tries again every 15 minutes."
			w.scheduleLeave(ctx, workflow.Now(ctx).Add(departRetry))
		case res.Refusal != "":
			l.Reason = res.Message
		default:
			l.UserID, l.PassesRevoked, l.SessionsRevoked, l.Disabled = res.UserID, res.PassesRevoked, res.SessionsRevoked, res.Disabled
			l.Reason = fmt.Sprintf("Left: %d pass(es) revoked, sign-in sessions revoked, account %s.", res.PassesRevoked,
				map[bool]string{true: "disabled", false: "kept enabled"}[res.Disabled])
		}
	}
	l.Left = workflow.Now(ctx)
	w.state.Leaver = l
	_ = workflow.UpsertTypedSearchAttributes(ctx, searchattr.Kind.ValueSet("leaver"), searchattr.Stage.ValueSet(StageDone),
		searchattr.Outcome.ValueSet(l.Outcome), searchattr.TapExpiresAt.ValueUnset())
}

// rememberUser keeps the last user reference HR sent, for events that carry none.
func (w *employee) rememberUser(e hrevent.Event) {
	if e.Employee.User != "" && !slices.Contains([]hrevent.Type{hrevent.JobChange}, e.Type) {
		w.state.User = e.Employee.User
	}
}
