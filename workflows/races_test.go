package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// Regression tests for the races a review found: every way a journey ends revokes a pass it may have
// issued, and no accepted event is lost.

func TestRescindWhileIssuingRevokesWhateverPassTheUserHolds(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).After(10*time.Minute).Return(
		activities.IssueResult{MethodID: "tap-1", Expires: firstMorning.Add(8 * time.Hour)}, nil)
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Minute, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.NotEmpty(t, *revokes, "a pass issued while the rescind arrived is revoked")
	require.Empty(t, st.Journey.MethodID)
}

func TestCancellingTheWorkflowRevokesFirst(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.env.RegisterDelayedCallback(je.env.CancelWorkflow, firstMorning.Sub(t0)+time.Hour)
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1"})
	require.True(t, temporal.IsCanceledError(je.env.GetWorkflowError()))
	require.Len(t, *revokes, 1)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
}

func TestTerminationStopsTheJourneyAsDeparted(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	leave := func(e *hrevent.Event) { e.Employee.LeaveAt = "2026-12-01T10:00:00Z" }
	je.send(firstMorning.Sub(t0)+2*time.Hour, event("t1", hrevent.Termination, t0, leave), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeDeparted, st.Journey.Outcome)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "departed", (*revokes)[0].Reason)
}

func TestDateChangeWhileIssuingIsNotLost(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	n := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).After(10 * time.Minute).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			n++
			now := je.env.Now()
			return activities.IssueResult{MethodID: "tap-" + string(rune('0'+n)), Start: now, Expires: now.Add(8 * time.Hour)}, nil
		})
	revokes := je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Minute, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Equal(t, 2, n, "a new pass on the new date")
	require.Equal(t, "start date moved", (*revokes)[0].Reason)
	require.Equal(t, later, st.Journey.Scheduled)
}

func TestReissueDuringReminderIsNotLost(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.ReminderBefore = 7 * time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).After(30*time.Minute).Return(delivery.Receipt{}, nil)
	je.registersAfter(firstMorning.Add(5 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var accepted bool
	je.update(firstMorning.Sub(t0)+time.Hour+10*time.Minute, UpdateReissue, ActionRequest{By: "helpdesk"}, &accepted)
	st := je.run(10 * 24 * time.Hour)
	require.True(t, accepted)
	require.Len(t, *issues, 2)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

func TestHireDuringACancelStartsAFreshJourney(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1", "tap-2")
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).After(5 * time.Minute).Return(nil)
	je.registersAfter(time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Hour, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	rehire := hireEvent("h2", "2026-12-10")
	rehire.OccurredAt = t0
	je.send(firstMorning.Sub(t0)+time.Hour+time.Minute, rehire, EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, "h2", st.Journey.EventID)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

func TestRoleGrantedAfterTheHireHoldsThePass(t *testing.T) {
	je2 := newJourneyEnv(t, nil)
	calls := 0 // a role granted between the hire and the first morning
	je2.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PreflightRequest) (activities.PreflightResult, error) {
			calls++
			pre := okPreflight
			pre.Privileged = calls > 1
			return pre, nil
		})
	issues := je2.issued("tap-1")
	je2.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je2.run(10 * 24 * time.Hour)
	require.Equal(t, StageAwaitingApproval, st.Journey.Stage)
	require.Empty(t, *issues)
}

func TestLeadAppliesToMorningsNotToReissuesNow(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.StartLead = time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(firstMorning.Add(3 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var ok bool
	je.update(firstMorning.Sub(t0)+time.Hour, UpdateReissue, ActionRequest{By: "helpdesk"}, &ok)
	st := je.run(10 * 24 * time.Hour)
	require.True(t, ok)
	require.Equal(t, firstMorning, (*issues)[0].Start, "issued an hour early, usable from the first morning")
	require.True(t, (*issues)[1].Start.IsZero(), "a reissue is usable at once")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

func TestPermanentGraphFailureIsAnOutcomeWithGraphsMessage(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(activities.IssueResult{},
		temporal.NewNonRetryableApplicationError("Insufficient privileges to complete the operation.", activities.ErrGraphForbidden, nil))
	revokes := je.revoked() // a failed issue may have left a pass behind: the journey makes sure none stays
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, "graph_forbidden", st.Journey.Outcome)
	require.Equal(t, "Graph refused tapflow's app (a permission or role is missing): Insufficient privileges to complete the operation.", st.Journey.Reason)
	require.Len(t, *revokes, 1)
	require.Empty(t, (*revokes)[0].MethodID, "revoke whatever the user holds")
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
