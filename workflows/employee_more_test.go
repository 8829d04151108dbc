package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
)

func moveTo(date string) func(*hrevent.Event) {
	return func(e *hrevent.Event) { e.Employee.StartDate = date }
}

func TestStartDateMovedBeforeIssue(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, later, st.Journey.Scheduled)
	require.Len(t, *issues, 1, "no pass for the old date")
	require.False(t, st.Journey.Issued.Before(later))
}

func TestStartDateMovedAfterIssueRevokesAndIssuesAgain(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	revokes := je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Hour, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Len(t, *issues, 2)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "start date moved", (*revokes)[0].Reason)
	require.Equal(t, later, st.Journey.Scheduled)
}

func TestPrivilegedUserIsHeldUntilApproved(t *testing.T) {
	je := newJourneyEnv(t, nil)
	pre := okPreflight
	pre.Privileged, pre.Roles = true, []string{"Global Administrator"}
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil)
	issues := je.issued("tap-1")
	je.revoked()
	approvedAt := firstMorning.Add(3 * time.Hour)
	je.registersAfter(approvedAt.Add(time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var blank, approved, early, again bool
	je.update(time.Hour, UpdateReissue, ActionRequest{By: "x"}, &early) // not at this stage
	je.update(approvedAt.Sub(t0)-time.Minute, UpdateApprove, ApproveRequest{}, &blank)
	je.update(approvedAt.Sub(t0), UpdateApprove, ApproveRequest{Approver: "ciso@contoso.example"}, &approved)
	je.update(approvedAt.Sub(t0)+time.Second, UpdateApprove, ApproveRequest{Approver: "someone-else"}, &again)
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		var st Status
		require.NoError(t, v.Get(&st))
		require.Equal(t, StageAwaitingApproval, st.Journey.Stage, "held past the first morning")
		require.Empty(t, *issues)
	}, firstMorning.Sub(t0)+time.Hour)
	st := je.run(10 * 24 * time.Hour)
	require.False(t, early)
	require.False(t, blank, "an approval must name the approver")
	require.True(t, approved)
	require.False(t, again, "a second approval is refused: the first approver stays on record")
	require.Equal(t, "ciso@contoso.example", st.Journey.ApprovedBy)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Len(t, *issues, 1)
}

func TestRefusalsAreOutcomesWithReasons(t *testing.T) {
	for _, c := range []struct {
		name    string
		pre     activities.PreflightResult
		issue   activities.IssueResult
		outcome string
	}{
		{"already registered", activities.PreflightResult{UserID: "u-1", StrongMethods: []string{"fido2"}}, activities.IssueResult{}, activities.RefusedAlreadyRegistered},
		{"user not found", activities.PreflightResult{Refusal: activities.RefusedUserNotFound, Message: "No Entra user"}, activities.IssueResult{}, activities.RefusedUserNotFound},
		{"no manager mailbox", okPreflight, activities.IssueResult{Refusal: activities.RefusedNoDeliveryTarget, Message: "The manager has no mailbox"}, activities.RefusedNoDeliveryTarget},
	} {
		t.Run(c.name, func(t *testing.T) {
			je := newJourneyEnv(t, nil)
			je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(c.pre, nil)
			je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(c.issue, nil)
			je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
			st := je.run(10 * 24 * time.Hour)
			require.Equal(t, c.outcome, st.Journey.Outcome)
			require.NotEmpty(t, st.Journey.Reason)
			require.Equal(t, StageDone, st.Journey.Stage)
			require.Zero(t, st.Journey.Attempts)
		})
	}
}

func TestThrottlingStormThenSuccess(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	calls := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			calls++
			if calls <= 5 {
				return activities.IssueResult{}, temporal.NewApplicationErrorWithOptions("throttled", activities.ErrGraphThrottled,
					temporal.ApplicationErrorOptions{NextRetryDelay: 2500 * time.Millisecond})
			}
			now := je.env.Now()
			return activities.IssueResult{MethodID: "tap-1", Start: now, Expires: now.Add(8 * time.Hour)}, nil
		})
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, 6, calls)
	require.Equal(t, firstMorning.Add(5*2500*time.Millisecond), st.Journey.Issued, "each retry waited Graph's Retry-After")
}

func TestDSTStartMorning(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(time.Date(2027, 3, 14, 13, 0, 0, 0, time.UTC))
	hire := hireEvent("h1", "2027-03-14") // the morning New York moves to EDT
	hire.Employee.TimeZone, hire.Employee.StartTime = "America/New_York", "08:00"
	je.send(0, hire, EventAccepted)
	st := je.run(200 * 24 * time.Hour)
	require.Equal(t, time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC), st.Journey.Scheduled, "08:00 EDT")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
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

func TestRegisteredHintChecksAtOnceAndReissueIssuesNow(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	revokes := je.revoked()
	registration := firstMorning.Add(2*time.Hour + 10*time.Minute)
	je.registersAfter(registration)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var reissued bool
	je.update(firstMorning.Sub(t0)+time.Hour, UpdateReissue, ActionRequest{By: "helpdesk", Reason: "lost the mail"}, &reissued)
	je.env.RegisterDelayedCallback(func() { je.env.SignalWorkflow(SignalRegistered, nil) }, registration.Sub(t0)+time.Minute)
	st := je.run(10 * 24 * time.Hour)
	require.True(t, reissued)
	require.Len(t, *issues, 2)
	require.Equal(t, "reissue", (*issues)[1].Reason)
	require.Equal(t, "reissue requested", (*revokes)[0].Reason)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.True(t, st.Journey.Registered.Before(registration.Add(2*time.Minute)), "the hint beat the hourly poll: %s", st.Journey.Registered)
}
