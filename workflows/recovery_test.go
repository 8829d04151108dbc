package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"go.temporal.io/sdk/workflow"
)

func recoveryEvent(id string, at time.Time) hrevent.Event {
	return event(id, hrevent.Recovery, at, func(e *hrevent.Event) {
		e.Employee.User, e.RequestedBy, e.Reason = "ada@contoso.example", "helpdesk@contoso.example", "lost phone"
	})
}

func TestRecoveryIssuesNowAndIsRateLimited(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2", "tap-3")
	je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	for i, id := range []string{"r1", "r2", "r3"} {
		je.send(time.Duration(i+1)*time.Hour, recoveryEvent(id, t0.Add(time.Duration(i)*time.Minute)), EventAccepted)
	}
	je.send(4*time.Hour, recoveryEvent("r4", t0.Add(4*time.Minute)), hrevent.StatusRefused)
	je.send(30*time.Hour, recoveryEvent("r5", t0.Add(5*time.Minute)), EventAccepted) // a day later: allowed again
	st := je.run(2 * 24 * time.Hour)
	require.Len(t, *issues, 4)
	require.Equal(t, "recovery", (*issues)[0].Reason)
	require.Equal(t, "helpdesk@contoso.example", (*issues)[0].RequestedBy)
	require.True(t, (*issues)[0].Start.IsZero(), "a recovery pass is usable at once")
	require.Equal(t, KindRecovery, st.Journey.Kind)
	var refused int
	for _, e := range st.Events {
		if e.Status == hrevent.StatusRefused {
			refused++
			require.Contains(t, e.Note, "the limit is 3 per day")
		}
	}
	require.Equal(t, 1, refused)
}

func TestRecoveryRefusedForDisabledOrDepartedUsers(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		activities.PreflightResult{Refusal: activities.RefusedUserDisabled, Message: "The Entra account is disabled"}, nil)
	issues := je.issued("tap-1")
	je.departed()
	je.send(time.Hour, recoveryEvent("r1", t0), EventAccepted)
	je.send(2*time.Hour, event("t1", hrevent.Termination, t0, leaveAt("2026-11-30T07:30:00Z")), EventAccepted)
	je.send(3*time.Hour, recoveryEvent("r2", t0.Add(time.Minute)), hrevent.StatusRefused)
	st := je.run(24 * time.Hour)
	require.Empty(t, *issues)
	require.Equal(t, refused(activities.RefusedUserDisabled), st.Journey.Outcome)
	require.Contains(t, st.Events[len(st.Events)-1].Note, "no pass for a departed user")
}

// The employee's account is pinned by its first resolution: a recovery or a re-registration naming another
// account (their administrator account, bound to the same employee id) is refused with identity_changed and no
// pass; a hire for the other account (HR's say-so) moves the pin.
func TestARecoveryNamingAnotherAccountThanTheEmployeesIsRefused(t *testing.T) {
	je := newJourneyEnv(t, nil)
	preflights, issues := hiredThenRecoveredForTheAdminAccount(je)
	var refusedStatus Status
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&refusedStatus))
	}, 2*24*time.Hour+time.Hour)
	rehire := hireEvent("h2", "2026-12-10")
	rehire.Employee.User, rehire.OccurredAt = "ada.admin@contoso.example", t0.Add(time.Hour)
	je.send(3*24*time.Hour, rehire, EventAccepted)
	st := je.run(20 * 24 * time.Hour)

	require.Equal(t, KindRecovery, refusedStatus.Journey.Kind)
	require.Equal(t, OutcomeIdentityChanged, refusedStatus.Journey.Outcome, refusedStatus.Journey.Reason)
	require.Zero(t, refusedStatus.Journey.Attempts, "no pass for the other account")
	require.Len(t, *issues, 2, "the joiner's pass, and the hire's for the account it names")
	require.Equal(t, "u-admin", (*issues)[1].UserID)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, "E1", (*preflights)[len(*preflights)-1].EmployeeID, "pre-flight binds the account to the employee")
}

// A run that reached the pin before the guard existed (no pin-account marker) replays as it ran: the recovery
// for the other account went ahead.
func TestARunFromBeforeThePinReplaysAsItRan(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnGetVersion(pinAccountChange, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	_, issues := hiredThenRecoveredForTheAdminAccount(je)
	st := je.run(3 * 24 * time.Hour)
	require.Equal(t, KindRecovery, st.Journey.Kind)
	require.Len(t, *issues, 2)
	require.Equal(t, "u-admin", (*issues)[1].UserID)
}

// hiredThenRecoveredForTheAdminAccount hires Ada (account u-1), who registers on her first morning, then, two
// days later, sends a recovery naming her administrator account (u-admin). It returns the pre-flights asked and
// the passes issued.
func hiredThenRecoveredForTheAdminAccount(je *journeyEnv) (*[]activities.PreflightRequest, *[]activities.IssueRequest) {
	var preflights []activities.PreflightRequest
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.PreflightRequest) (activities.PreflightResult, error) {
			preflights = append(preflights, r)
			pre := okPreflight
			if r.User == "ada.admin@contoso.example" {
				pre.UserID = "u-admin"
			}
			return pre, nil
		})
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	admin := recoveryEvent("r1", t0.Add(time.Minute))
	admin.Employee.User = "ada.admin@contoso.example"
	je.send(2*24*time.Hour, admin, EventAccepted)
	return &preflights, issues
}

// A hire naming the administrator account that issues nothing (the account already has a passkey) does not move
// the pin: the recovery that follows for that account is still refused.
func TestAHireThatIssuesNothingDoesNotMoveThePin(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.PreflightRequest) (activities.PreflightResult, error) {
			pre := okPreflight
			if r.User == "ada.admin@contoso.example" {
				pre.UserID = "u-admin"
				if r.Strength == activities.StrengthConfigured && je.env.Now().Before(t0.Add(3*24*time.Hour)) {
					pre.StrongMethods, pre.StrongMethodIDs = []string{"fido2"}, []string{"admin-key"}
				}
			}
			return pre, nil
		})
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	moveTo := hireEvent("h2", "2026-12-02")
	moveTo.Employee.User, moveTo.OccurredAt = "ada.admin@contoso.example", t0.Add(time.Minute)
	je.send(2*24*time.Hour, moveTo, EventAccepted)
	admin := recoveryEvent("r1", t0.Add(2*time.Minute))
	admin.Employee.User = "ada.admin@contoso.example"
	je.send(2*24*time.Hour+time.Hour, admin, EventAccepted)
	st := je.run(4 * 24 * time.Hour)
	require.Equal(t, KindRecovery, st.Journey.Kind)
	require.Equal(t, OutcomeIdentityChanged, st.Journey.Outcome, st.Journey.Reason)
	require.Len(t, *issues, 1, "only the joiner's own pass")
}

// A workflow whose last journey ran before accounts were pinned (no Account in its state) pins that journey's
// account, the one a pass was issued for, before the next journey: a recovery for another account is refused.
func TestAWorkflowFromBeforeThePinPinsItsLastAccount(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		activities.PreflightResult{UserID: "u-admin", Policy: okPreflight.Policy}, nil)
	issues := je.issued("tap-1")
	je.revoked()
	je.registersAfter(t0)
	admin := recoveryEvent("r1", t0.Add(time.Minute))
	admin.Employee.User = "ada.admin@contoso.example"
	je.send(time.Hour, admin, EventAccepted)
	var st Status
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&st))
		je.env.CancelWorkflow()
	}, 2*time.Hour)
	old := &EmployeeState{EmployeeID: "E1", Applied: []string{"h0"}, Journey: &Journey{Kind: KindJoiner, EventID: "h0",
		UserID: "u-1", Stage: StageDone, Outcome: OutcomeRegistered, Attempts: 1}}
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1", State: old})
	require.Equal(t, OutcomeIdentityChanged, st.Journey.Outcome, st.Journey.Reason)
	require.Empty(t, *issues)
}
