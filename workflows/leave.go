package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// stop ends the running journey; it revokes any pass and records the outcome.
func (w *employee) stop(outcome, note string) {
	w.cancelOutcome, w.cancelNote, w.cancelling = outcome, note, true
	w.cancel()
}

// terminate handles a leaver. At leave_at (now if past) onboarding stops and any pass is revoked (outcome
// departed); a future leave_at is a durable timer that a later termination moves and termination_cancelled
// withdraws. Revoking sessions and disabling the account belong to the leaver journey.
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
	if w.leaveCancel != nil {
		w.leaveCancel() // a later termination moves the date
		w.leaveCancel, w.state.LeaveAt = nil, time.Time{}
	}
	switch {
	case leave.Err != "":
		w.record(e, EventAccepted, "leave_at cannot be read: "+leave.Err)
	case leave.At.After(workflow.Now(ctx)):
		w.state.LeaveEvent = e
		w.scheduleLeave(ctx, leave.At)
		w.record(e, EventAccepted, "termination scheduled for "+leave.At.Format("2006-01-02T15:04Z"))
	default:
		w.record(e, EventAccepted, "the employee left")
		w.depart(ctx, e)
	}
}

// scheduleLeave starts the durable timer of a future termination.
func (w *employee) scheduleLeave(ctx workflow.Context, at time.Time) {
	w.state.LeaveAt = at
	lctx, cancel := workflow.WithCancel(ctx)
	w.leaveCancel = cancel
	workflow.Go(lctx, func(lctx workflow.Context) {
		if workflow.NewTimer(lctx, at.Sub(workflow.Now(lctx))).Get(lctx, nil) != nil {
			return // moved or withdrawn
		}
		w.leaveCancel, w.state.LeaveAt = nil, time.Time{}
		w.leaveDue = true // the main loop carries it out, in order with the events
	})
}
