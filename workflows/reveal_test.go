package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/pickup"
)

// revealAt sends the reveal update at offset d and keeps its answer (or its rejection).
func (je *journeyEnv) revealAt(d time.Duration, digest string, answer *pickup.RevealAnswer, rejected *error) {
	je.env.RegisterDelayedCallback(func() {
		je.env.UpdateWorkflow(pickup.UpdateReveal, "reveal@"+d.String(), &updateCallbacks{
			reject: func(err error) { *rejected = err },
			complete: func(v interface{}, err error) {
				require.NoError(je.t, err)
				*answer = v.(pickup.RevealAnswer)
			}}, pickup.RevealUpdate{RevealRequest: pickup.RevealRequest{Hash: "hash-1", CodeDigest: digest, From: "203.0.113.7"},
			Queue: "tapflow-pickup-test", WaiterID: "w-1"})
	}, d)
}

// createsAfter mocks the page's create activity: a pass after delay.
func (je *journeyEnv) createsAfter(delay time.Duration) *int {
	je.env.RegisterActivity(&activities.Pickup{})
	n := 0
	je.env.OnActivity(pickupActs.CreateForReveal, mock.Anything, mock.Anything).After(delay).Return(
		func(context.Context, activities.CreateRequest) (activities.CreateResult, error) {
			n++
			return activities.CreateResult{MethodID: "tap-r", Expires: je.env.Now().Add(passLifetime)}, nil
		})
	return &n
}

// The reveal creates the pass on the page's queue and the journey records it: stage revealed, then waiting for
// the registration, with the reveal's time and address.
func TestARevealCreatesThePass(t *testing.T) {
	je, _ := invitedJourney(t)
	je.revoked()
	creates := je.createsAfter(0)
	var answer pickup.RevealAnswer
	var rejected error
	je.revealAt(firstMorning.Sub(t0)+5*time.Minute, "", &answer, &rejected)
	st := je.run(firstMorning.Sub(t0) + time.Hour)
	require.NoError(t, rejected)
	require.Empty(t, answer.Refused)
	require.Equal(t, 1, *creates)
	require.Equal(t, "tap-r", st.Journey.MethodID)
	require.Equal(t, StageAwaitingRegistration, st.Journey.Stage)
	require.Equal(t, pickup.StateRevealed, st.Journey.Pickup.State)
	require.Equal(t, "203.0.113.7", st.Journey.Pickup.RevealedFrom)
	require.Empty(t, st.Journey.Pickup.Hash, "the status shows no hash")
}

// A rescind while the pass is being created: the journey ends, and the pass made meanwhile is revoked at once
// (the page is told the link is closed).
func TestARescindDuringARevealLeavesNoPass(t *testing.T) {
	je, _ := invitedJourney(t)
	revokes := je.revoked()
	je.createsAfter(30 * time.Second)
	var answer pickup.RevealAnswer
	var rejected error
	at := firstMorning.Sub(t0) + 5*time.Minute
	je.revealAt(at, "", &answer, &rejected)
	je.send(at+10*time.Second, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	st := je.run(at + time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.Equal(t, pickup.StateClosed, answer.Refused)
	var revoked []string
	for _, r := range *revokes {
		revoked = append(revoked, r.MethodID)
	}
	require.Contains(t, revoked, "tap-r", "the pass created during the rescind is revoked")
}

// Five wrong codes burn the link: the journey ends pickup_locked, no pass is created, the security mailbox is
// told; a reveal after that is refused by the validator.
func TestWrongCodesBurnTheLink(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.Channel = activities.ChannelPickup })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.env.OnActivity(journeyActs.Invite, mock.Anything, mock.Anything).Return(
		activities.InviteResult{Hash: "hash-1", CodeHash: "right-digest"}, nil)
	var alerts []string
	je.env.OnActivity(journeyActs.Alert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.AlertRequest) (delivery.Receipt, error) {
			alerts = append(alerts, r.Reason)
			return delivery.Receipt{}, nil
		})
	je.revoked()
	creates := je.createsAfter(0)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	answers := make([]pickup.RevealAnswer, 6)
	rejections := make([]error, 6)
	for i := range 6 {
		je.revealAt(firstMorning.Sub(t0)+time.Duration(i+1)*time.Minute, "wrong-digest", &answers[i], &rejections[i])
	}
	st := je.run(firstMorning.Sub(t0) + time.Hour)
	require.Equal(t, pickup.ReasonWrongCode, answers[0].Refused)
	require.Equal(t, 4, answers[0].Invitation.AttemptsLeft)
	require.Equal(t, pickup.StateLocked, answers[4].Refused)
	require.Error(t, rejections[5], "a burnt link takes no more reveals")
	require.Zero(t, *creates)
	require.Equal(t, Outcome(RefusedPickupLocked), st.Journey.Outcome)
	require.Equal(t, []string{string(RefusedPickupLocked)}, alerts)
}

// A reveal hours after the morning checks the user again: a role granted meanwhile closes the link for an
// approval instead of creating the pass; once approved, a new link goes out.
func TestALateRevealChecksTheUserAgain(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.Channel = activities.ChannelPickup })
	checks := 0
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PreflightRequest) (activities.PreflightResult, error) {
			checks++
			pre := okPreflight
			if checks > 2 { // granted after the morning's check
				pre.Privileged, pre.HoldReason, pre.Roles = true, activities.HoldPrivileged, []string{"Global Administrator"}
			}
			return pre, nil
		})
	invites := 0
	je.env.OnActivity(journeyActs.Invite, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.InviteRequest) (activities.InviteResult, error) {
			invites++
			return activities.InviteResult{Hash: "hash-1"}, nil
		})
	je.revoked()
	creates := je.createsAfter(0)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var answer pickup.RevealAnswer
	var rejected error
	je.revealAt(firstMorning.Sub(t0)+3*time.Hour, "", &answer, &rejected)
	st := je.run(firstMorning.Sub(t0) + 4*time.Hour)
	require.Equal(t, pickup.StateClosed, answer.Refused)
	require.Zero(t, *creates, "no pass for a user who became privileged")
	require.Equal(t, StageAwaitingApproval, st.Journey.Stage)
	require.Equal(t, 1, invites)
}
