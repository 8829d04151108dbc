package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// hire starts a joiner journey for a hire. A hire for the account whose joiner journey runs moves its start; a
// hire for another account, or during another kind of journey, replaces the running journey. After a
// termination, only a rehire (sent after it, starting after the employee left) starts a journey.
func (w *employee) hire(ctx workflow.Context, e hrevent.Event) error {
	if j := w.journey; j != nil {
		switch {
		case e.Employee.User != j.rec.User:
			// Another account: this journey's pass must not go to the old one.
			if err := w.stopJourney(ctx, OutcomeCancelled, "a new hire for another account replaced this journey"); err != nil {
				return err
			}
		case j.rec.Kind != KindJoiner:
			if err := w.stopJourney(ctx, OutcomeCancelled, "a hire replaced this "+string(j.rec.Kind)+" journey"); err != nil {
				return err
			}
		default:
			w.changeStart(e, "a hire for an employee whose journey runs: its start moves to the new date")
			return nil
		}
	}
	if l := w.state.Leaver; l != nil {
		// A rehire is a hire sent after the termination and starting after the employee left; anything else is
		// the old hire arriving late (a batch or a CLI stamps occurred_at with the time it is sent).
		if !e.OccurredAt.After(l.OccurredAt) || e.Employee.StartDate <= l.Left.Format("2006-01-02") {
			w.record(e, EventStale, "ignored: the employee left ("+l.EventID+") after this hire")
			return nil
		}
		w.state.Leaver = nil
		w.startJourney(ctx, journeySpec{kind: KindJoiner, event: e, user: e.Employee.User, rehire: true})
		w.record(e, EventAccepted, "rehire: joiner journey started")
		return nil
	}
	w.startJourney(ctx, journeySpec{kind: KindJoiner, event: e, user: e.Employee.User})
	w.record(e, EventAccepted, "joiner journey started")
	return nil
}

// rescind stops the running journey: the offer was withdrawn. Its pass, if any, is revoked.
func (w *employee) rescind(e hrevent.Event) {
	if w.journey == nil {
		w.record(e, EventAccepted, "no journey is running")
		return
	}
	w.journey.stop(OutcomeCancelled, "the offer was rescinded")
	w.record(e, EventAccepted, "journey cancelled")
}
