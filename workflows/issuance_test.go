package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/issuance"
)

// A pass held by the issuance guard: the journey waits in stage held (issuance_paused), issues nothing, and
// goes on once the guard signals that issuance resumed.
func TestAJourneyWaitsWhileIssuanceIsPaused(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	held := true
	var issues int
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			if held {
				return activities.IssueResult{Held: issuance.ReasonPaused}, nil
			}
			issues++
			now := je.env.Now()
			return activities.IssueResult{MethodID: "tap-1", Start: now, Expires: now.Add(passLifetime)}, nil
		})
	je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var during Status
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
		held = false
		je.env.SignalWorkflow(issuance.SignalResumed, nil)
	}, 2*24*time.Hour+7*time.Minute) // between two of the held journey's rechecks (every 15 minutes)
	st := je.run(2*24*time.Hour + time.Hour)

	require.Equal(t, StageHeld, during.Journey.Stage)
	require.Equal(t, issuance.ReasonPaused, during.Journey.HeldFor)
	require.Empty(t, during.Journey.MethodID)
	require.Equal(t, 1, issues, "issued once resumed")
	require.Equal(t, StageAwaitingRegistration, st.Journey.Stage)
	require.Empty(t, st.Journey.HeldFor)
}

// The guard workflow: verdicts by update, the pause announced to the security mailbox, a resume that names no
// one refused by the validator, and the held journeys told on resume.
func TestTheIssuanceGuardPausesAndResumes(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(IssuanceGuard)
	env.RegisterActivity(&activities.Journey{})
	var alerts []activities.AlertRequest
	env.OnActivity(journeyActs.Alert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.AlertRequest) (delivery.Receipt, error) {
			alerts = append(alerts, r)
			return delivery.Receipt{}, nil
		})
	var told []string
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", issuance.SignalResumed, nil).Return(
		func(_, id, _, _ string, _ interface{}) error { told = append(told, id); return nil })
	limits := issuance.Limits{PerHour: 2}
	var verdicts []issuance.Verdict
	reserve := func(d time.Duration, id string) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(issuance.UpdateReserve, id+d.String(), &updateCallbacks{complete: func(v interface{}, err error) {
				require.NoError(t, err)
				verdicts = append(verdicts, v.([]issuance.Verdict)...)
			}}, []issuance.Request{{Kind: issuance.KindPass, WorkflowID: id, Limits: limits}})
		}, d)
	}
	for i, id := range []string{"a", "b", "c", "d"} {
		reserve(time.Duration(i+1)*time.Minute, id)
	}
	var refused error
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(issuance.UpdateResume, "r0", &updateCallbacks{reject: func(err error) { refused = err }},
			issuance.ResumeRequest{Reason: "no name"})
	}, 10*time.Minute)
	var after issuance.Status
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(issuance.UpdateResume, "r1", &updateCallbacks{complete: func(v interface{}, err error) {
			require.NoError(t, err)
			after = v.(issuance.Status)
		}}, issuance.ResumeRequest{By: "ciso", Reason: "checked with HR"})
	}, 20*time.Minute)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(IssuanceGuard, issuance.State{})

	require.Len(t, verdicts, 4)
	require.True(t, verdicts[0].Allowed && verdicts[1].Allowed)
	require.Equal(t, issuance.Verdict{Reason: issuance.ReasonPaused, Tripped: true}, verdicts[2])
	require.Equal(t, issuance.Verdict{Reason: issuance.ReasonPaused}, verdicts[3])
	require.Len(t, alerts, 1)
	require.Equal(t, issuance.ReasonPaused, alerts[0].Reason)
	require.ErrorContains(t, refused, "by")
	require.False(t, after.Paused)
	require.Equal(t, "ciso", after.LastResumedBy)
	require.Equal(t, []string{"c", "d"}, told)
}

// A hold may last days: once resumed, the journey checks the user again before it issues. Here the user was
// granted a role meanwhile, so the journey waits for approval instead of issuing.
func TestAResumedJourneyChecksTheUserAgain(t *testing.T) {
	je := newJourneyEnv(t, nil)
	checks, issues := 0, 0
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PreflightRequest) (activities.PreflightResult, error) {
			checks++
			pre := okPreflight
			if issues > 0 { // granted a role while the journey was held
				pre.Privileged, pre.HoldReason, pre.Roles = true, activities.HoldPrivileged, []string{"Global Administrator"}
			}
			return pre, nil
		})
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.IssueRequest) (activities.IssueResult, error) {
			issues++
			return activities.IssueResult{Held: issuance.ReasonPaused}, nil
		})
	je.revoked()
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.env.RegisterDelayedCallback(func() { je.env.SignalWorkflow(issuance.SignalResumed, nil) }, 2*24*time.Hour)
	st := je.run(2*24*time.Hour + time.Hour)

	require.Equal(t, 3, checks, "checked at intake, on the morning, and again after the hold")
	require.Equal(t, 1, issues, "not issued after the resume: the user became privileged")
	require.Equal(t, StageAwaitingApproval, st.Journey.Stage)
	require.Equal(t, activities.HoldPrivileged, st.Journey.HeldFor)
}
