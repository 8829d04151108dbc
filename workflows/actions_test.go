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

func TestAReissueAfterRegistrationIsRefused(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).After(10 * time.Minute).Return(
		func(context.Context, activities.RevokeRequest) error { return nil })
	je.registersAfter(firstMorning)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	accepted := true
	je.update(firstMorning.Sub(t0)+5*time.Minute, UpdateReissue, ActionRequest{By: "helpdesk"}, &accepted)
	st := je.run(10 * 24 * time.Hour)
	require.False(t, accepted, "the pass is being revoked: a reissue no longer fits")
	require.Len(t, *issues, 1)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
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
