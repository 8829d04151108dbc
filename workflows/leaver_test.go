package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// departed mocks Depart and records its requests.
func (je *journeyEnv) departed() *[]activities.DepartRequest {
	var reqs []activities.DepartRequest
	je.env.OnActivity(journeyActs.Depart, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.DepartRequest) (activities.DepartResult, error) {
			reqs = append(reqs, r)
			return activities.DepartResult{UserID: "u-1", PassesRevoked: 0, SessionsRevoked: true, Disabled: r.Disable}, nil
		})
	return &reqs
}

func TestTerminationDuringTheStartDateWait(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	departs := je.departed()
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-11-30T07:00:00Z")), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Empty(t, *issues)
	require.Equal(t, OutcomeDeparted, st.Journey.Outcome)
	require.Len(t, *departs, 1)
	require.Equal(t, "u-1", (*departs)[0].User, "the user the journey resolved")
	require.True(t, (*departs)[0].Disable)
	require.NotNil(t, st.Leaver)
	require.True(t, st.Leaver.SessionsRevoked && st.Leaver.Disabled)
}

func TestTerminationDuringAndAfterRegistration(t *testing.T) {
	for _, c := range []struct {
		name    string
		leave   time.Duration // after the first morning
		outcome Outcome
		revokes int
	}{
		{"during the wait", time.Hour, OutcomeDeparted, 1},
		{"after registration", 3 * time.Hour, OutcomeRegistered, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			je := newJourneyEnv(t, nil)
			je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
			je.issued("tap-1")
			revokes := je.revoked()
			departs := je.departed()
			je.registersAfter(firstMorning.Add(2 * time.Hour))
			je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
			je.send(firstMorning.Sub(t0)+c.leave, event("t1", hrevent.Termination, t0,
				leaveAt(firstMorning.Add(c.leave).Format(time.RFC3339))), EventAccepted)
			st := je.run(10 * 24 * time.Hour)
			require.Equal(t, c.outcome, st.Journey.Outcome)
			require.Len(t, *revokes, c.revokes)
			require.Len(t, *departs, 1)
			require.Equal(t, OutcomeDeparted, st.Leaver.Outcome)
		})
	}
}

func TestATerminationMovedEarlier(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	var departs []activities.DepartRequest
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-12-05T17:00:00Z")), EventAccepted)
	je.send(2*time.Hour, event("t2", hrevent.Termination, t0.Add(time.Hour), leaveAt("2026-11-30T12:00:00Z")), EventAccepted)
	var at time.Time
	je.env.OnActivity(journeyActs.Depart, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.DepartRequest) (activities.DepartResult, error) {
			at = je.env.Now()
			departs = append(departs, r)
			return activities.DepartResult{UserID: "u-1"}, nil
		})
	st := je.run(10 * 24 * time.Hour)
	require.Empty(t, *issues)
	require.Len(t, departs, 1, "once, at the earlier date")
	require.Equal(t, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), at.UTC())
	require.Equal(t, OutcomeDeparted, st.Leaver.Outcome)
}

func TestTerminationBeforeTheHireItFollowsWinsAndALaterHireIsARehire(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	je.revoked()
	je.departed()
	je.env.OnActivity(journeyActs.EnableAccount, mock.Anything, mock.Anything).Return(nil).Maybe()
	je.registersAfter(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	term := event("t1", hrevent.Termination, t0, func(e *hrevent.Event) {
		e.Employee.LeaveAt, e.Employee.User = "2026-11-30T06:30:00Z", "ada@contoso.example"
	})
	je.send(time.Hour, term, EventAccepted)
	late := hireEvent("h1", "2026-12-01") // occurred an hour before the termination: it is overtaken
	je.send(2*time.Hour, late, EventAccepted)
	rehire := hireEvent("h2", "2026-12-07")
	rehire.OccurredAt = t0.Add(3 * time.Hour)
	je.send(3*time.Hour, rehire, EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	var notes []string
	for _, e := range st.Events {
		notes = append(notes, e.ID+":"+e.Status)
	}
	require.Equal(t, []string{"t1:accepted", "h1:stale", "h2:accepted"}, notes)
	require.Len(t, *issues, 1, "one pass: the rehire's")
	require.Equal(t, "h2", st.Journey.EventID)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Nil(t, st.Leaver, "rehired")
}

func TestATerminationMovedLater(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	var at []time.Time
	je.env.OnActivity(journeyActs.Depart, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.DepartRequest) (activities.DepartResult, error) {
			at = append(at, je.env.Now())
			return activities.DepartResult{UserID: "u-1"}, nil
		})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-11-30T12:00:00Z")), EventAccepted)
	je.send(2*time.Hour, event("t2", hrevent.Termination, t0.Add(time.Hour), leaveAt("2026-12-10T17:00:00Z")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, "the joiner finished before the later date")
	require.Len(t, at, 1, "only the later termination happened")
	require.Equal(t, time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC), at[0].UTC())
}

func TestAPendingTerminationSurvivesContinueAsNew(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.send(0, event("t1", hrevent.Termination, t0, func(e *hrevent.Event) {
		e.Employee.LeaveAt, e.Employee.User = "2026-12-10T17:00:00Z", "ada@contoso.example"
	}), EventAccepted)
	je.env.SetCurrentHistoryLength(6000)
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1"})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(je.env.GetWorkflowError(), &can), "got %v", je.env.GetWorkflowError())
	var next EmployeeInput
	require.NoError(t, converterFor(t).FromPayloads(can.Input, &next))
	require.Equal(t, time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC), next.State.LeaveAt.UTC())

	je2 := newJourneyEnv(t, nil)
	departs := je2.departed()
	je2.env.RegisterDelayedCallback(je2.env.CancelWorkflow, 20*24*time.Hour)
	je2.env.ExecuteWorkflow(Employee, next)
	require.Len(t, *departs, 1, "the new run keeps the timer")
}

func leaveAt(at string) func(*hrevent.Event) {
	return func(e *hrevent.Event) { e.Employee.LeaveAt = at }
}

func TestAFutureTerminationStopsTheJourneyAtLeaveTime(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-11-30T12:00:00Z")), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeDeparted, st.Journey.Outcome)
	require.Empty(t, *issues, "no pass for someone who left before their first morning")
}

func TestAWithdrawnTerminationLetsTheJourneyFinish(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(firstMorning.Add(2 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-12-01T10:00:00Z")), EventAccepted)
	je.send(2*time.Hour, event("c1", hrevent.TerminationCancelled, t0, nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

func TestTerminationStopsTheJourneyAsDeparted(t *testing.T) {
	je := newJourneyEnv(t, nil)
	revokes := je.hiredWithoutRegistering()
	leave := func(e *hrevent.Event) { e.Employee.LeaveAt = "2026-12-01T10:00:00Z" }
	je.send(firstMorning.Sub(t0)+2*time.Hour, event("t1", hrevent.Termination, t0, leave), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeDeparted, st.Journey.Outcome)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "departed", (*revokes)[0].Reason)
}

// A termination withdrawn while the journey is still ending (its revoke retrying against Graph) stays withdrawn,
// even when its time comes before the journey has ended: the timer that fired is withdrawn with it.
func TestATerminationWithdrawnWhileTheJourneyEndsIsNotCarriedOut(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokedAt := firstMorning.Add(25 * time.Minute) // Graph refuses the revoke until then
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RevokeRequest) error {
			if je.env.Now().Before(revokedAt) {
				return temporal.NewApplicationError("503", activities.ErrGraphTransient)
			}
			return nil
		})
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RegistrationRequest) (activities.Registration, error) {
			if je.env.Now().Before(firstMorning.Add(10 * time.Minute)) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "key-1"}, nil // the look could not revoke
		})
	departs := je.departed()
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-12-01T09:20:00Z")), EventAccepted)
	je.send(firstMorning.Sub(t0)+15*time.Minute, event("c1", hrevent.TerminationCancelled, t0.Add(time.Minute), nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Empty(t, *departs, "the withdrawn termination was not carried out")
	require.Nil(t, st.Leaver)
	require.Nil(t, st.LeaveAt)
}
