package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// jobChange records a move and, when it calls for one, runs a re-registration journey: on request (a device
// refresh), or when the employee becomes privileged without a phishing-resistant method. While another journey
// runs, the re-registration waits for it to end.
func (w *employee) jobChange(ctx workflow.Context, e hrevent.Event) error {
	becomesPrivileged := w.applyChanges(e.Changes)
	user := w.knownUser(e)
	switch {
	case !e.Changes.Reregister && !becomesPrivileged:
		w.record(e, EventAccepted, "job change recorded")
	case w.state.Leaver != nil:
		w.record(e, EventAccepted, "job change recorded; the employee has left: no re-registration")
	case user == "":
		w.record(e, EventAccepted, "job change recorded; no Entra user is known for this employee: send employee.user to re-register")
	case w.journey != nil:
		w.state.PendingMover = &e // started when the running journey ends
		w.record(e, EventAccepted, "job change recorded; its re-registration starts when the running journey ends")
	case e.Changes.Reregister:
		w.startJourney(ctx, moverSpec(e, user))
		w.record(e, EventAccepted, "re-registration journey started")
	default:
		w.startJourney(ctx, moverSpec(e, user))
		w.record(e, EventAccepted, "privileged: phishing-resistant registration journey started")
	}
	return nil
}

// applyChanges keeps the job change's fields and says whether the employee becomes privileged with it.
func (w *employee) applyChanges(c *hrevent.Changes) (becomesPrivileged bool) {
	was := w.state.Changes.Privileged
	becomesPrivileged = c.Privileged != nil && *c.Privileged && (was == nil || !*was)
	if c.Department != "" {
		w.state.Changes.Department = c.Department
	}
	if c.JobTitle != "" {
		w.state.Changes.JobTitle = c.JobTitle
	}
	if c.Privileged != nil {
		w.state.Changes.Privileged = c.Privileged
	}
	return becomesPrivileged
}

// moverSpec is a mover's journey, at once: a re-registration waits for a method that is new; a newly
// privileged employee is done once a phishing-resistant method is registered (pre-flight says whether one is).
func moverSpec(e hrevent.Event, user string) journeySpec {
	if e.Changes.Reregister {
		return journeySpec{kind: KindMover, event: e, user: user, now: true, baseline: true}
	}
	return journeySpec{kind: KindMover, event: e, user: user, now: true, strength: activities.StrengthPhishingResistant}
}

// startPendingMover starts a re-registration that waited for the previous journey to end.
func (w *employee) startPendingMover(ctx workflow.Context) error {
	e := *w.state.PendingMover
	w.state.PendingMover = nil
	if user := w.knownUser(e); w.state.Leaver == nil && user != "" {
		w.startJourney(ctx, moverSpec(e, user))
	}
	return nil
}
