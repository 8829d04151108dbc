package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Employee is one employee's long-lived workflow (id EmployeeWorkflowID): it applies their HR events once each,
// in order, and runs their TAP journeys. It continues as new when idle and its history has grown.
func Employee(ctx workflow.Context, in EmployeeInput) error {
	w := &employee{}
	if err := w.setup(ctx, in); err != nil {
		return err
	}
	return w.run(ctx)
}

type employee struct {
	state  EmployeeState
	inbox  []hrevent.Event
	logger log.Logger

	// The running journey, if any, and what its handlers tell it.
	running       bool
	cancelling    bool // cancel asked; the journey is revoking and ending
	ending        bool // the journey has decided its outcome and is revoking, notifying, recording
	leaveDue      bool // a scheduled termination's time has come
	leaveGen      int  // the current leave timer's generation
	lifecycle     activities.LifecycleSettings
	leaveCancel   workflow.CancelFunc // stops the timer of a termination still to come
	cancel        workflow.CancelFunc
	cancelNote    string
	cancelOutcome string // cancelled, or departed for a termination
	hints         int    // registered signals received
	dateChanges   int    // start date changes received
	reissues      int    // reissue updates accepted
	approved      bool
}

func (w *employee) setup(ctx workflow.Context, in EmployeeInput) error {
	if in.EmployeeID == "" {
		return temporal.NewNonRetryableApplicationError("the employee id is empty", "InvalidInput", nil)
	}
	w.logger = log.With(workflow.GetLogger(ctx), "employee_id", in.EmployeeID)
	if in.State != nil {
		w.state = *in.State
	}
	w.state.EmployeeID = in.EmployeeID
	if w.state.LastSeen == nil {
		w.state.LastSeen = map[hrevent.Type]int64{}
	}
	w.inbox = in.Pending
	// The intake sets it when it starts the workflow (and continue-as-new carries it), so a lean run writes it
	// only when its start lacks it. A run without the marker (its first task ran on an older worker, which
	// always wrote it) keeps writing it, whatever its start carries.
	if id, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.EmployeeID); !leanRun(ctx) || !ok || id != in.EmployeeID {
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchattr.EmployeeID.ValueSet(in.EmployeeID)); err != nil {
			return fmt.Errorf("set the employee search attribute: %w", err)
		}
	}
	if !w.state.LeaveAt.IsZero() {
		w.scheduleLeave(ctx, w.state.LeaveAt) // carried across continue-as-new
	}
	return w.registerHandlers(ctx)
}

func (w *employee) registerHandlers(ctx workflow.Context) error {
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
			w.hints++
		}
	})
	return w.registerActions(ctx)
}

// validateEvent rejects, before anything is written to history, an event that is malformed or not this employee's.
func (w *employee) validateEvent(_ workflow.Context, e hrevent.Event) error {
	if err := hrevent.Validate(e); err != nil {
		return err
	}
	if e.Employee.EmployeeID != w.state.EmployeeID {
		return fmt.Errorf("event %s is for employee %s, not %s", e.ID, e.Employee.EmployeeID, w.state.EmployeeID)
	}
	return nil
}

// validSignal validates a signalled event inside a side effect: validation reads zone rules, which may differ
// between workers, so its verdict is recorded rather than recomputed on replay.
func (w *employee) validSignal(ctx workflow.Context, e hrevent.Event) bool {
	var ok bool
	_ = workflow.SideEffect(ctx, func(workflow.Context) any { return w.validateEvent(nil, e) == nil }).Get(&ok)
	if !ok {
		w.logger.Warn("invalid event signal ignored", "event_id", e.ID)
	}
	return ok
}

// receive queues an event once: a repeated id is a duplicate; an event older than the newest applied one of
// its type is stale.
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

func (w *employee) record(e hrevent.Event, status, note string) {
	w.state.Events = append(w.state.Events, EventRecord{ID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt, Status: status, Note: note})
	if n := len(w.state.Events); n > 50 { // the last 50 are plenty for a status view; ids stay in Applied
		w.state.Events = w.state.Events[n-50:]
	}
}

func (w *employee) run(ctx workflow.Context) error {
	w.loadLifecycle(ctx)
	for {
		if err := workflow.Await(ctx, func() bool {
			return len(w.inbox) > 0 || w.leaveDue || (!w.running && (w.state.PendingMover != nil || w.historyLarge(ctx)))
		}); err != nil {
			return w.closing(ctx, err)
		}
		if !w.running && w.state.PendingMover != nil {
			w.startPendingMover(ctx)
			continue
		}
		if w.leaveDue {
			w.leaveDue = false
			w.leaveCancel = nil
			w.depart(ctx, w.state.LeaveEvent)
			continue
		}
		if len(w.inbox) == 0 {
			// Idle with a large history: start afresh, carrying the state and every event that raced in.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return w.closing(ctx, err)
			}
			w.drainSignals(ctx)
			if len(w.inbox) == 0 && !w.running && !w.leaveDue {
				return workflow.NewContinueAsNewError(ctx, Employee, EmployeeInput{EmployeeID: w.state.EmployeeID, State: &w.state})
			}
			continue
		}
		e := w.inbox[0]
		w.inbox = w.inbox[1:]
		w.state.Applied = append(w.state.Applied, e.ID)
		if at := e.OccurredAt.UnixNano(); at < w.state.LastSeen[e.Type] {
			// Queued behind a newer event of its type in the same task: stale after all.
			w.record(e, EventStale, "older than the last applied "+string(e.Type)+" event")
			continue
		}
		w.state.LastSeen[e.Type] = e.OccurredAt.UnixNano()
		w.rememberUser(e)
		w.apply(ctx, e)
	}
}

// closing lets a running journey revoke its pass before the workflow itself ends (it was cancelled).
func (w *employee) closing(ctx workflow.Context, err error) error {
	for _, e := range w.inbox {
		w.logger.Warn("workflow cancelled before an accepted event was applied", "event_id", e.ID, "type", e.Type)
	}
	if w.running {
		if !w.cancelling {
			w.cancelNote, w.cancelling = "the employee's workflow was cancelled", true
			w.cancel()
		}
		final, _ := workflow.NewDisconnectedContext(ctx)
		_ = workflow.Await(final, func() bool { return !w.running })
	}
	return err
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
}

func (w *employee) historyLarge(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > 5000
}

// apply carries out one event.
func (w *employee) apply(ctx workflow.Context, e hrevent.Event) {
	if w.cancelling || w.ending {
		// A journey is ending (revoking, notifying): let it finish before anything new applies.
		_ = workflow.Await(ctx, func() bool { return !w.running })
	}
	j := w.state.Journey
	active := w.running && j != nil
	switch e.Type {
	case hrevent.Hire:
		if active && e.Employee.User != j.User {
			// Another account: this journey's pass must not go to the old one.
			w.stop(OutcomeCancelled, "a new hire for another account replaced this journey")
			_ = workflow.Await(ctx, func() bool { return !w.running })
			active = false
		}
		if active && j.Kind != "joiner" {
			w.stop(OutcomeCancelled, "a hire replaced this "+j.Kind+" journey")
			_ = workflow.Await(ctx, func() bool { return !w.running })
			active = false
		}
		if active {
			w.changeStart(e, "a hire for an employee whose journey runs: its start moves to the new date")
			return
		}
		w.hire(ctx, e)
	case hrevent.StartDateChange:
		if !active || j.Kind != "joiner" {
			w.record(e, EventAccepted, "no joiner journey is running: nothing to move")
			return
		}
		w.changeStart(e, "start date moved")
	case hrevent.Rescind:
		if !active {
			w.record(e, EventAccepted, "no journey is running")
			return
		}
		w.stop(OutcomeCancelled, "the offer was rescinded")
		w.record(e, EventAccepted, "journey cancelled")
	case hrevent.Termination:
		w.terminate(ctx, e)
	case hrevent.JobChange:
		w.jobChange(ctx, e, active)
	case hrevent.Recovery:
		w.recover(ctx, e, active)
	case hrevent.TerminationCancelled:
		w.withdrawLeave(e)
	default:
		w.record(e, EventAccepted, "recorded")
	}
}

func (w *employee) changeStart(e hrevent.Event, note string) {
	j := w.state.Journey
	j.StartDate = e.Employee.StartDate
	if e.Employee.StartTime != "" {
		j.StartTime = e.Employee.StartTime
	}
	if e.Employee.TimeZone != "" {
		j.TimeZone = e.Employee.TimeZone
	}
	w.dateChanges++
	w.record(e, EventAccepted, note)
}
