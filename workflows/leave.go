package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// departRetry is how long a departure that Graph refused waits before it is tried again.
const departRetry = 15 * time.Minute

// stop ends the running journey; it revokes any pass and records the outcome.
func (w *employee) stop(outcome, note string) {
	w.cancelOutcome, w.cancelNote, w.cancelling = outcome, note, true
	w.cancel()
}

// terminate handles a leaver. At leave_at (now if past) the running journey stops and the departure is carried
// out (passes and sessions revoked, account disabled: see depart); a future leave_at is a durable timer that a
// later termination moves and termination_cancelled withdraws.
func (w *employee) terminate(ctx workflow.Context, e hrevent.Event) {
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
		return
	}
	w.cancelLeave() // a later termination moves the date
	if leave.At.After(workflow.Now(ctx)) {
		w.state.LeaveEvent = e
		w.scheduleLeave(ctx, leave.At)
		w.record(e, EventAccepted, "termination scheduled for "+leave.At.Format("2006-01-02T15:04Z"))
		return
	}
	w.record(e, EventAccepted, "the employee left")
	w.state.LeaveEvent = e
	w.depart(ctx, e)
}

// withdrawLeave applies termination_cancelled: it withdraws the pending termination, unless HR sent the
// termination after this cancellation.
func (w *employee) withdrawLeave(e hrevent.Event) {
	switch {
	case w.leaveCancel == nil:
		w.record(e, EventAccepted, "no termination is pending")
	case e.OccurredAt.Before(w.state.LeaveEvent.OccurredAt):
		w.record(e, EventStale, "older than the pending termination ("+w.state.LeaveEvent.ID+"): it stands")
	default:
		w.cancelLeave()
		w.record(e, EventAccepted, "the pending termination was withdrawn")
	}
}

// scheduleLeave starts the durable timer of a future termination. A generation number guards against a timer
// that fired in the same workflow task as the event that moved or withdrew it.
func (w *employee) scheduleLeave(ctx workflow.Context, at time.Time) {
	w.state.LeaveAt = at
	w.leaveGen++
	gen := w.leaveGen
	lctx, cancel := workflow.WithCancel(ctx)
	w.leaveCancel = cancel
	workflow.Go(lctx, func(lctx workflow.Context) {
		if workflow.NewTimer(lctx, at.Sub(workflow.Now(lctx))).Get(lctx, nil) != nil || lctx.Err() != nil || gen != w.leaveGen {
			return // moved or withdrawn
		}
		w.leaveDue = true // the main loop carries it out, in order with the events
	})
}

func (w *employee) cancelLeave() {
	if w.leaveCancel != nil {
		w.leaveCancel()
	}
	w.leaveGen++
	w.leaveCancel, w.state.LeaveAt = nil, time.Time{}
}
