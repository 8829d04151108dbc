package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// departRetry is how long a departure that Graph refused waits before it is tried again.
const departRetry = 15 * time.Minute

// leaveTimer is the durable timer of a termination still to come. A generation number guards against a timer
// that fired in the same workflow task as the event that moved or withdrew it.
type leaveTimer struct {
	due    bool                // its time has come: the run loop carries the departure out, in order with the events
	gen    int                 // the current timer's generation
	cancel workflow.CancelFunc // stops the current timer; nil when none runs
}

// terminate handles a leaver. At leave_at (now if past) the running journey stops and the departure is carried
// out (see depart); a future leave_at is a durable timer that a later termination moves and
// termination_cancelled withdraws.
func (w *employee) terminate(ctx workflow.Context, e hrevent.Event) error {
	zone := e.Employee.TimeZone
	if zone == "" && w.state.Journey != nil {
		zone = w.state.Journey.TimeZone
	}
	var leave zoneResult
	_ = workflow.SideEffect(ctx, func(workflow.Context) any {
		at, err := hrevent.LeaveInstant(e.Employee.LeaveAt, zone)
		if err != nil {
			return zoneResult{Err: err.Error()}
		}
		return zoneResult{At: at.UTC()}
	}).Get(&leave)
	if leave.Err != "" {
		w.record(e, EventAccepted, "leave_at cannot be read ("+leave.Err+"): any pending termination stands")
		return nil
	}
	w.cancelLeave() // a later termination moves the date
	w.state.LeaveEvent = e
	if leave.At.After(workflow.Now(ctx)) {
		w.scheduleLeave(ctx, leave.At)
		w.record(e, EventAccepted, "termination scheduled for "+leave.At.Format("2006-01-02T15:04Z"))
		return nil
	}
	w.record(e, EventAccepted, "the employee left")
	return w.depart(ctx, e)
}

// withdrawLeave applies termination_cancelled: it withdraws the pending termination, unless HR sent the
// termination after this cancellation.
func (w *employee) withdrawLeave(e hrevent.Event) {
	switch {
	case w.leave.cancel == nil:
		w.record(e, EventAccepted, "no termination is pending")
	case e.OccurredAt.Before(w.state.LeaveEvent.OccurredAt):
		w.record(e, EventStale, "older than the pending termination ("+w.state.LeaveEvent.ID+"): it stands")
	default:
		w.cancelLeave()
		w.record(e, EventAccepted, "the pending termination was withdrawn")
	}
}

// scheduleLeave starts the durable timer of a future termination.
func (w *employee) scheduleLeave(ctx workflow.Context, at time.Time) {
	w.state.LeaveAt = at
	w.leave.gen++
	gen := w.leave.gen
	lctx, cancel := workflow.WithCancel(ctx)
	w.leave.cancel = cancel
	workflow.Go(lctx, func(lctx workflow.Context) {
		if workflow.NewTimer(lctx, at.Sub(workflow.Now(lctx))).Get(lctx, nil) != nil || lctx.Err() != nil || gen != w.leave.gen {
			return // moved or withdrawn
		}
		w.leave.due = true
	})
}

// cancelLeave withdraws the pending termination: its timer, and its departure if the timer fired while an
// event was being applied.
func (w *employee) cancelLeave() {
	if w.leave.cancel != nil {
		w.leave.cancel()
	}
	w.leave = leaveTimer{gen: w.leave.gen + 1}
	w.state.LeaveAt = time.Time{}
}

// depart carries out a termination: the running journey stops (revoking its pass; one already ending finishes
// as it is), then every pass the user holds is revoked, their sessions revoked and, when configured, the
// account disabled. A departure Graph refused is tried again every 15 minutes.
func (w *employee) depart(ctx workflow.Context, e hrevent.Event) error {
	if j := w.journey; j != nil && !j.ending {
		j.stop(OutcomeDeparted, "the employee left")
	}
	if err := w.awaitJourneyEnd(ctx); err != nil {
		return err
	}
	w.state.LeaveAt = time.Time{}
	l := &Leaver{EventID: e.ID, OccurredAt: e.OccurredAt, Outcome: OutcomeDeparted}
	if user := w.knownUser(e); user == "" {
		l.Reason = "No Entra user is known for this employee: nothing was revoked in Entra."
	} else {
		w.departInEntra(ctx, e, user, l)
	}
	l.Left = workflow.Now(ctx)
	w.state.Leaver = l
	if err := workflow.UpsertTypedSearchAttributes(ctx, searchattr.Kind.ValueSet(string(KindLeaver)), searchattr.Stage.ValueSet(string(StageDone)),
		searchattr.Outcome.ValueSet(string(l.Outcome)), searchattr.TapExpiresAt.ValueUnset()); err != nil {
		w.logger.Warn("search attributes not written", "error", err)
	}
	return nil
}

// departInEntra revokes the user's passes and sessions and disables the account, and notes it in l.
func (w *employee) departInEntra(ctx workflow.Context, e hrevent.Event, user string, l *Leaver) {
	var res activities.DepartResult
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Depart, activities.DepartRequest{
		EmployeeID: w.state.EmployeeID, User: user, Disable: w.lifecycle.DisableOnLeave, Reason: "departed"}).Get(ctx, &res)
	switch {
	case err != nil:
		// Passes, sessions or the account may still be live: keep the termination and try again.
		outcome, reason := failureOutcome(err)
		l.Outcome, l.Reason = "depart_failed: "+outcome, reason+" tapflow tries again every 15 minutes."
		w.scheduleLeave(ctx, workflow.Now(ctx).Add(departRetry))
	case res.Refusal != "":
		// Nothing was revoked or disabled: the outcome says so, so nobody filtering on "departed" takes it as done.
		l.Outcome, l.Reason = Outcome("depart_refused: "+string(res.Refusal)), res.Message
	default:
		l.UserID, l.PassesRevoked, l.SessionsRevoked, l.Disabled = res.UserID, res.PassesRevoked, res.SessionsRevoked, res.Disabled
		l.Reason = fmt.Sprintf("Left: %d pass(es) revoked, sign-in sessions revoked, account %s.", res.PassesRevoked,
			map[bool]string{true: "disabled", false: "kept enabled"}[res.Disabled])
	}
}
