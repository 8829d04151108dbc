package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/internal/hrevent"
)

func TestEventsForAnotherEmployeeAreRejected(t *testing.T) {
	je := newJourneyEnv(t, nil)
	var rejected error
	e := hireEvent("h1", "2026-12-01")
	e.Employee.EmployeeID = "E2"
	je.env.RegisterDelayedCallback(func() {
		je.env.UpdateWorkflow(UpdateEvent, "x", &updateCallbacks{reject: func(err error) { rejected = err }}, e)
	}, 0)
	je.run(time.Hour)
	require.ErrorContains(t, rejected, "is for employee E2, not E1")
	_ = hrevent.Hire
}

func TestDuplicateAndStaleEvents(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(firstMorning)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Minute, hireEvent("h1", "2026-12-01"), EventDuplicate)
	je.send(2*time.Minute, event("d2", hrevent.StartDateChange, t0, moveTo("2026-12-01")), EventAccepted)
	je.send(3*time.Minute, event("d1", hrevent.StartDateChange, t0.Add(-time.Hour), moveTo("2026-12-20")), EventStale)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, firstMorning, st.Journey.Scheduled, "the stale change did not move the date")
	var statuses []string
	for _, e := range st.Events {
		statuses = append(statuses, e.ID+":"+e.Status)
	}
	require.Equal(t, []string{"h1:accepted", "d2:accepted", "d1:stale"}, statuses)
}

func TestAnOlderEventQueuedBehindANewerOneIsStale(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	newer := event("d2", hrevent.StartDateChange, t0, moveTo("2026-12-03"))
	older := event("d1", hrevent.StartDateChange, t0.Add(-time.Hour), moveTo("2026-12-20"))
	je.env.RegisterDelayedCallback(func() { // both in one workflow task
		for _, e := range []hrevent.Event{newer, older} {
			je.env.UpdateWorkflow(UpdateEvent, e.ID, &updateCallbacks{}, e)
		}
	}, time.Hour)
	st := je.run(30 * 24 * time.Hour)
	require.Equal(t, time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), st.Journey.Scheduled, "the older change did not win")
	var statuses []string
	for _, e := range st.Events {
		statuses = append(statuses, e.ID+":"+e.Status)
	}
	require.Equal(t, []string{"h1:accepted", "d2:accepted", "d1:stale"}, statuses)
}

// A client that sends the update itself, past the intake, still cannot file an event dated in the future.
func TestTheWorkflowRefusesAnEventFromTheFuture(t *testing.T) {
	je := newJourneyEnv(t, nil)
	var rejected error
	e := event("t1", hrevent.Termination, t0.Add(time.Hour), leaveAt("2031-01-01"))
	je.env.RegisterDelayedCallback(func() {
		je.env.UpdateWorkflow(UpdateEvent, "x", &updateCallbacks{reject: func(err error) { rejected = err }}, e)
	}, 0)
	je.run(time.Hour)
	require.ErrorContains(t, rejected, "occurred_at")
	require.ErrorContains(t, rejected, "in the future")
}
