package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Employee is one employee's long-lived workflow (id EmployeeWorkflowID): it applies their HR events once each,
// in order, and runs their TAP journeys one at a time. It continues as new when idle and its history has grown.
func Employee(ctx workflow.Context, in EmployeeInput) error {
	w := &employee{}
	if err := w.setup(ctx, in); err != nil {
		return err
	}
	return w.run(ctx)
}

// employee is the state of the Employee workflow: what it remembers (carried across continue-as-new), the
// events accepted but not applied yet, the running journey and a termination still to come.
type employee struct {
	state     EmployeeState
	inbox     []hrevent.Event
	logger    log.Logger
	lifecycle activities.LifecycleSettings
	journey   *journey   // the running journey; nil when none runs
	leave     leaveTimer // the timer of a termination still to come
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
	// The intake starts the workflow searchable by employee (and continue-as-new carries it): write it only
	// when the start lacks it.
	if id, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.EmployeeID); !ok || id != in.EmployeeID {
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchattr.EmployeeID.ValueSet(in.EmployeeID)); err != nil {
			return fmt.Errorf("set the employee search attribute: %w", err)
		}
	}
	if !w.state.LeaveAt.IsZero() {
		w.scheduleLeave(ctx, w.state.LeaveAt) // carried across continue-as-new
	}
	if err := w.receiveEvents(ctx); err != nil {
		return err
	}
	if err := w.registerPickup(ctx); err != nil {
		return err
	}
	return w.registerActions(ctx)
}

// run applies the inbox's events one at a time, in order, and carries out a termination when its time comes;
// idle with a long history, it continues as new.
func (w *employee) run(ctx workflow.Context) error {
	w.loadLifecycle(ctx)
	for {
		if err := workflow.Await(ctx, w.hasWork(ctx)); err != nil {
			return w.closing(ctx, err)
		}
		var err error
		switch {
		case w.journey == nil && w.state.PendingMover != nil:
			err = w.startPendingMover(ctx)
		case w.leave.due:
			w.leave = leaveTimer{gen: w.leave.gen}
			err = w.depart(ctx, w.state.LeaveEvent)
		case len(w.inbox) == 0:
			if next := w.continueAsNew(ctx); next != nil {
				return next
			}
		default:
			err = w.applyNext(ctx)
		}
		if err != nil {
			return w.closing(ctx, err)
		}
	}
}

// hasWork says the loop has something to do: an event, a termination due, a mover waiting for the running
// journey, or an idle workflow whose history has grown.
func (w *employee) hasWork(ctx workflow.Context) func() bool {
	return func() bool {
		idle := w.journey == nil
		return len(w.inbox) > 0 || w.leave.due || (idle && (w.state.PendingMover != nil || w.historyLarge(ctx)))
	}
}

// applyNext applies the inbox's oldest event, unless a newer one of its type was applied meanwhile.
func (w *employee) applyNext(ctx workflow.Context) error {
	e := w.inbox[0]
	w.inbox = w.inbox[1:]
	w.state.Applied = append(w.state.Applied, e.ID)
	if at := e.OccurredAt.UnixNano(); at < w.state.LastSeen[e.Type] {
		// Queued behind a newer event of its type in the same task: stale after all.
		w.record(e, EventStale, "older than the last applied "+string(e.Type)+" event")
		return nil
	}
	w.state.LastSeen[e.Type] = e.OccurredAt.UnixNano()
	w.rememberUser(e)
	return w.apply(ctx, e)
}

// apply carries out one event. A journey that is ending (revoking, notifying) finishes first.
func (w *employee) apply(ctx workflow.Context, e hrevent.Event) error {
	if j := w.journey; j != nil && (j.stopping || j.ending) {
		if err := w.awaitJourneyEnd(ctx); err != nil {
			return err
		}
	}
	switch e.Type {
	case hrevent.Hire:
		return w.hire(ctx, e)
	case hrevent.StartDateChange:
		w.moveStart(e)
	case hrevent.Rescind:
		w.rescind(e)
	case hrevent.Termination:
		return w.terminate(ctx, e)
	case hrevent.TerminationCancelled:
		w.withdrawLeave(e)
	case hrevent.JobChange:
		return w.jobChange(ctx, e)
	case hrevent.Recovery:
		return w.recover(ctx, e)
	default:
		w.record(e, EventAccepted, "recorded")
	}
	return nil
}

// continueAsNew starts afresh, carrying the state and every event that raced in, once every handler is done;
// nil when something arrived meanwhile.
func (w *employee) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.closing(ctx, err)
	}
	w.drainSignals(ctx)
	if len(w.inbox) > 0 || w.journey != nil || w.leave.due {
		return nil
	}
	return workflow.NewContinueAsNewError(ctx, Employee, EmployeeInput{EmployeeID: w.state.EmployeeID, State: &w.state})
}

// closing lets a running journey revoke its pass before the workflow itself ends (it was cancelled).
func (w *employee) closing(ctx workflow.Context, err error) error {
	for _, e := range w.inbox {
		w.logger.Warn("workflow cancelled before an accepted event was applied", "event_id", e.ID, "type", e.Type)
	}
	if w.journey != nil {
		final, _ := workflow.NewDisconnectedContext(ctx)
		if serr := w.stopJourney(final, OutcomeCancelled, "the employee's workflow was cancelled"); serr != nil {
			w.logger.Warn("the journey did not end before the workflow closed", "error", serr)
		}
	}
	return err
}

func (w *employee) historyLarge(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > 5000
}

// loadLifecycle reads the lifecycle settings once per run (a local activity, recorded).
func (w *employee) loadLifecycle(ctx workflow.Context) {
	w.lifecycle = activities.DefaultLifecycleSettings()
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(local, settingsActs.LifecycleSettings).Get(ctx, &w.lifecycle); err != nil {
		w.logger.Warn("lifecycle settings not read; using the defaults", "error", err)
	}
}
