package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/searchattr"
)

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

// In a lean journey the look that sees the key revokes the pass: the workflow schedules no RevokeTAP, and the
// look was asked to revoke the live pass, on the adaptive schedule.
func TestTheLookThatSeesTheKeyRevokesThePass(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	revokeCalls := 0
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).Return(nil).Run(func(mock.Arguments) { revokeCalls++ })
	var looks []activities.RegistrationRequest
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.RegistrationRequest) (activities.Registration, error) {
			looks = append(looks, req)
			if je.env.Now().Before(firstMorning.Add(10 * time.Minute)) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "key-1", Revoked: req.RevokeMethodID == "tap-1"}, nil
		})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)

	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, StageDone, st.Journey.Stage)
	require.Len(t, *issues, 1)
	require.Zero(t, revokeCalls, "no separate revoke")
	require.Empty(t, st.Journey.MethodID)
	require.False(t, st.Journey.Revoked.IsZero())
	require.NotEmpty(t, looks)
	last := looks[len(looks)-1]
	require.Equal(t, "tap-1", last.RevokeMethodID)
	require.Equal(t, "E1", last.EmployeeID)
	require.Equal(t, time.Hour, last.SlowAfter)
	require.Equal(t, 10*time.Minute, last.SlowInterval)
	require.Equal(t, st.Journey.Issued, last.Delivered)
}

// A first joiner issued straight after pre-flight writes its stage once, after delivery. A later journey (here a
// recovery after the joiner registered) writes pre-flight and issuing at once: holding them back would leave the
// last journey's "done, registered" on show while a pass is being issued.
func TestALaterJourneyShowsItsStagesAtOnce(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	var stages []string // every stage written, in order
	je.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(searchattr.Stage); ok {
			stages = append(stages, v)
		}
	})
	var atIssue []string // the last stage written when each pass was issued
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			last := ""
			if len(stages) > 0 {
				last = stages[len(stages)-1]
			}
			atIssue = append(atIssue, last)
			now := je.env.Now()
			return activities.IssueResult{MethodID: fmt.Sprintf("tap-%d", len(atIssue)), Start: now,
				Expires: now.Add(time.Duration(r.LifetimeMinutes) * time.Minute), Channel: r.Channel}, nil
		})
	je.revoked()
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		activities.Registration{MethodType: "fido2", MethodID: "key-1", Revoked: true}, nil)
	hire := hireEvent("h1", "2026-11-30")
	hire.Employee.StartTime = "00:00"
	je.send(0, hire, EventAccepted)
	je.send(3*time.Hour, recoveryEvent("r1", t0.Add(time.Minute)), EventAccepted)
	st := je.run(2 * 24 * time.Hour)

	require.Equal(t, "recovery", st.Journey.Kind)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Equal(t, []string{"", StageIssuing}, atIssue, "the joiner's issue shows nothing yet; the recovery's shows itself")
	require.Equal(t, []string{StageAwaitingRegistration, StageDone,
		StagePreflight, StageIssuing, StageAwaitingRegistration, StageDone}, stages)
}
