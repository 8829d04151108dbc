package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/issuance"
)

// receiveEvents wires the ways in: HR events by update (answered) or signal (the batch path), and the
// registered hint. An event is accepted into the inbox once; the run loop applies it.
func (w *employee) receiveEvents(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return w.status(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateEvent, w.receive,
		workflow.UpdateHandlerOptions{Validator: w.validateEvent}); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalEvent)
		for {
			var e hrevent.Event
			ch.Receive(ctx, &e)
			if w.validSignal(ctx, e) {
				_, _ = w.receive(ctx, e)
			}
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalRegistered)
		for {
			ch.Receive(ctx, nil)
			if w.journey != nil {
				w.journey.news.hint = true
			}
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalTAPSignIn)
		for {
			var s graph.SignIn
			ch.Receive(ctx, &s)
			w.signedIn(ctx, s)
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, issuance.SignalResumed)
		for {
			ch.Receive(ctx, nil)
			if w.journey != nil {
				w.journey.resumed = true
			}
		}
	})
	return nil
}

// validateEvent rejects, before anything is written to history, an event that is malformed, not this
// employee's, or dated in the future: the intake checks the same, and this holds for any client that sends the
// update itself.
func (w *employee) validateEvent(ctx workflow.Context, e hrevent.Event) error {
	if err := w.checkEvent(e); err != nil {
		return err
	}
	return hrevent.CheckReceived(e, workflow.Now(ctx))
}

// checkEvent is validation that does not depend on the moment.
func (w *employee) checkEvent(e hrevent.Event) error {
	if err := hrevent.Validate(e); err != nil {
		return err
	}
	if e.Employee.EmployeeID != w.state.EmployeeID {
		return fmt.Errorf("event %s is for employee %s, not %s", e.ID, e.Employee.EmployeeID, w.state.EmployeeID)
	}
	return nil
}

// validSignal validates a signalled event inside a side effect: validation reads zone rules, which may differ
// between workers, and the clock, so its verdict is recorded rather than recomputed on replay.
func (w *employee) validSignal(ctx workflow.Context, e hrevent.Event) bool {
	var ok bool
	_ = workflow.SideEffect(ctx, func(workflow.Context) any {
		return w.checkEvent(e) == nil && hrevent.CheckReceived(e, time.Now()) == nil
	}).Get(&ok)
	if !ok {
		w.logger.Warn("invalid event signal ignored", "event_id", e.ID)
	}
	return ok
}

// receive queues an event once: a repeated id is a duplicate; an event older than the newest applied one of
// its type is stale; a recovery over the limits is refused at once.
func (w *employee) receive(ctx workflow.Context, e hrevent.Event) (EventResult, error) {
	res := EventResult{EventID: e.ID, WorkflowID: EmployeeWorkflowID(w.state.EmployeeID), Status: EventAccepted}
	queued := slices.ContainsFunc(w.inbox, func(q hrevent.Event) bool { return q.ID == e.ID })
	switch {
	case slices.Contains(w.state.Applied, e.ID) || queued:
		res.Status = EventDuplicate
		return res, nil
	case e.OccurredAt.UnixNano() < w.state.LastSeen[e.Type]:
		res.Status = EventStale
		w.record(e, EventStale, "older than the last applied "+string(e.Type)+" event")
		w.state.Applied = append(w.state.Applied, e.ID)
		return res, nil
	case e.Type == hrevent.Recovery:
		if reason := w.refuseRecovery(workflow.Now(ctx)); reason != "" {
			res.Status, res.Reason = hrevent.StatusRefused, reason
			w.record(e, hrevent.StatusRefused, reason)
			w.logger.Info("audit recovery.refused", "audit", true, "action", "recovery.refused",
				"employee_id", w.state.EmployeeID, "requested_by", e.RequestedBy, "reason", reason)
			w.state.Applied = append(w.state.Applied, e.ID)
			return res, nil
		}
	}
	w.inbox = append(w.inbox, e)
	return res, nil
}

// record keeps how an event was handled, for the status view.
func (w *employee) record(e hrevent.Event, status, note string) {
	w.state.Events = append(w.state.Events, EventRecord{ID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt, Status: status, Note: note})
	if n := len(w.state.Events); n > 50 { // the last 50 are plenty for a status view; ids stay in Applied
		w.state.Events = w.state.Events[n-50:]
	}
}

// drainSignals moves events and hints that arrived but no coroutine has read yet into the state, so
// continue-as-new loses none.
func (w *employee) drainSignals(ctx workflow.Context) {
	events := workflow.GetSignalChannel(ctx, SignalEvent)
	for {
		var e hrevent.Event
		if !events.ReceiveAsync(&e) {
			break
		}
		if w.validSignal(ctx, e) {
			_, _ = w.receive(ctx, e)
		}
	}
	for workflow.GetSignalChannel(ctx, SignalRegistered).ReceiveAsync(nil) {
	}
	for workflow.GetSignalChannel(ctx, issuance.SignalResumed).ReceiveAsync(nil) {
	}
}

// rememberUser keeps the last user reference HR sent, for events that carry none. A job change's user only
// names whom to re-register.
func (w *employee) rememberUser(e hrevent.Event) {
	if e.Employee.User != "" && e.Type != hrevent.JobChange {
		w.state.User = e.Employee.User
	}
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

func (w *employee) status() Status {
	st := Status{EmployeeID: w.state.EmployeeID, Journey: w.state.Journey, Leaver: w.state.Leaver, Events: w.state.Events}
	if j := st.Journey; j != nil && j.Pickup != nil {
		// A six-digit code's hash is one brute force from the code: the status shows neither hash.
		shown, link := *j, *j.Pickup
		link.Hash, link.CodeHash = "", ""
		shown.Pickup = &link
		st.Journey = &shown
	}
	if !w.state.LeaveAt.IsZero() {
		at := w.state.LeaveAt
		st.LeaveAt = &at
	}
	return st
}
