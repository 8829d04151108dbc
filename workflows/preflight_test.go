package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
)

func TestPrivilegedUserIsHeldUntilApproved(t *testing.T) {
	je := newJourneyEnv(t, nil)
	pre := okPreflight
	pre.Privileged, pre.Roles = true, []string{"Global Administrator"}
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil)
	issues := je.issued("tap-1")
	je.revoked()
	approvedAt := firstMorning.Add(3 * time.Hour)
	je.registersAfter(approvedAt.Add(time.Minute))
	var alerts []string
	je.env.OnActivity(journeyActs.Alert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.AlertRequest) (delivery.Receipt, error) {
			alerts = append(alerts, r.Reason)
			return delivery.Receipt{}, nil
		})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var blank, approved, early, again bool
	je.update(time.Hour, UpdateReissue, ActionRequest{By: "x"}, &early) // not at this stage
	je.update(approvedAt.Sub(t0)-time.Minute, UpdateApprove, ApproveRequest{}, &blank)
	je.update(approvedAt.Sub(t0), UpdateApprove, ApproveRequest{EmployeeID: "E1", EventID: "h1", Approver: "ciso@contoso.example"}, &approved)
	je.update(approvedAt.Sub(t0)+time.Second, UpdateApprove, ApproveRequest{EmployeeID: "E1", EventID: "h1", Approver: "someone-else"}, &again)
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
	require.Equal(t, []string{activities.AlertPrivilegedTAP}, alerts, "a pass on a privileged account, approved or not, is alerted")
}

func TestRefusalsAreOutcomesWithReasons(t *testing.T) {
	for _, c := range []struct {
		name    string
		pre     activities.PreflightResult
		issue   activities.IssueResult
		outcome Outcome
	}{
		{"already registered", activities.PreflightResult{UserID: "u-1", StrongMethods: []string{"fido2"}}, activities.IssueResult{}, refused(activities.RefusedAlreadyRegistered)},
		{"user not found", activities.PreflightResult{Refusal: activities.RefusedUserNotFound, Message: "No Entra user"}, activities.IssueResult{}, refused(activities.RefusedUserNotFound)},
		{"no manager mailbox", okPreflight, activities.IssueResult{Refusal: activities.RefusedNoDeliveryTarget, Message: "The manager has no mailbox"}, refused(activities.RefusedNoDeliveryTarget)},
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

// A joiner whose first morning is now was checked moments ago at intake: the morning does not read the user,
// the policy, the memberships and the methods again. A joiner hired ahead of the start is checked again on it.
func TestFirstMorningReliesOnAFreshPreflightOnly(t *testing.T) {
	for _, tc := range []struct {
		name, date string
		preflights int
		registers  time.Time
	}{
		// t0 is 06:00 London on 30 November: that day's 00:00 start has passed, the pass is issued at once.
		{"starts today, already begun", "2026-11-30", 1, t0.Add(30 * time.Minute)},
		{"starts tomorrow", "2026-12-01", 2, time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			je := newJourneyEnv(t, nil)
			calls := 0
			pre := okPreflight
			pre.Recipient = &activities.Recipient{UserPrincipalName: "ada@contoso.example", DisplayName: "Ada", ManagerMail: "grace@contoso.example"}
			je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil).
				Run(func(mock.Arguments) { calls++ })
			issues, _ := je.issued("tap-1"), je.revoked()
			je.registersAfter(tc.registers)
			hire := hireEvent("h1", tc.date)
			hire.Employee.StartTime = "00:00"
			je.send(0, hire, EventAccepted)
			st := je.run(10 * 24 * time.Hour)
			require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
			require.Len(t, *issues, 1)
			require.Equal(t, tc.preflights, calls)
			require.Equal(t, pre.Recipient, (*issues)[0].Recipient, "the issue does not read the user and manager again")
		})
	}
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

// An approval names the employee and the journey it approves, and comes from a second person: one naming another
// employee (an approval copied from another workflow's history) or another journey is refused, and so is one
// from the person who asked for the pass or the person it is for. Only the right one lets the pass be issued.
func TestAnApprovalMustNameItsJourneyAndComeFromASecondPerson(t *testing.T) {
	je := newJourneyEnv(t, nil)
	pre := okPreflight
	pre.Privileged, pre.Roles = true, []string{"Global Administrator"}
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil)
	issues := je.issued("tap-1")
	je.revoked()
	je.registersAfter(t0.Add(3 * time.Hour))
	je.send(0, recoveryEvent("r1", t0), EventAccepted) // requested by helpdesk@contoso.example, for ada@contoso.example
	refusals := map[string]ApproveRequest{
		"another employee": {EmployeeID: "E2", EventID: "r1", Approver: "ciso@contoso.example"},
		"another journey":  {EmployeeID: "E1", EventID: "h0", Approver: "ciso@contoso.example"},
		"the requester":    {EmployeeID: "E1", EventID: "r1", Approver: "HelpDesk@Contoso.example"},
		"the employee":     {EmployeeID: "E1", EventID: "r1", Approver: "ada@contoso.example"},
		"nobody":           {EmployeeID: "E1", EventID: "r1"},
	}
	accepted := map[string]*bool{}
	at := time.Hour
	for name, r := range refusals {
		accepted[name] = new(bool)
		je.update(at, UpdateApprove, r, accepted[name])
		at += time.Minute
	}
	var right bool
	je.update(2*time.Hour, UpdateApprove, ApproveRequest{EmployeeID: "E1", EventID: "r1", Approver: "ciso@contoso.example",
		Reason: "verified in person"}, &right)
	st := je.run(10 * 24 * time.Hour)
	for name := range refusals {
		require.False(t, *accepted[name], "an approval from %s is refused", name)
	}
	require.True(t, right)
	require.Equal(t, "ciso@contoso.example", st.Journey.ApprovedBy)
	require.Len(t, *issues, 1, "issued once approved, not before")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

// An approval covers the roles the approver saw: a role granted before the morning's check withdraws it, and the
// journey waits for a new approval before it issues.
func TestAnApprovalCoversOnlyTheRolesItSaw(t *testing.T) {
	je := newJourneyEnv(t, nil)
	checks := 0
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PreflightRequest) (activities.PreflightResult, error) {
			checks++
			pre := okPreflight
			pre.Privileged, pre.HoldReason, pre.Roles = true, activities.HoldPrivileged, []string{"Helpdesk Administrator"}
			if checks > 1 {
				pre.Roles = append(pre.Roles, "Global Administrator (eligible)")
			}
			return pre, nil
		})
	issues := je.issued("tap-1")
	je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var first, second bool
	je.update(time.Hour, UpdateApprove, ApproveRequest{EmployeeID: "E1", EventID: "h1", Approver: "ciso@contoso.example"}, &first)
	var held Status
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&held))
	}, firstMorning.Sub(t0)+time.Hour)
	je.update(firstMorning.Sub(t0)+2*time.Hour, UpdateApprove,
		ApproveRequest{EmployeeID: "E1", EventID: "h1", Approver: "ciso@contoso.example"}, &second)
	st := je.run(firstMorning.Sub(t0) + 3*time.Hour)

	require.True(t, first)
	require.Equal(t, StageAwaitingApproval, held.Journey.Stage, "the morning's check found a role the approval did not cover")
	require.Empty(t, held.Journey.ApprovedBy)
	require.True(t, second)
	require.Len(t, *issues, 1, "issued once approved again")
	require.Contains(t, st.Journey.ApprovedRoles, "Global Administrator (eligible)")
}
