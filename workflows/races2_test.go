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
)

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

func TestAHireForAnotherAccountReplacesTheJourney(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	other := hireEvent("h2", "2026-12-02")
	other.Employee.User = "ada.byron@contoso.example"
	other.OccurredAt = t0
	je.send(time.Hour, other, EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, "h2", st.Journey.EventID)
	require.Equal(t, "ada.byron@contoso.example", st.Journey.User)
	require.Len(t, *issues, 1, "no pass went to the first account")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

func TestAHireWhileAJourneyEndsStartsAFreshOne(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).After(time.Hour).Return(delivery.Receipt{}, nil)
	second := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(second.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	rehire := hireEvent("h2", "2026-12-08")
	rehire.OccurredAt = t0
	je.send(firstMorning.Sub(t0)+8*time.Hour+10*time.Minute, rehire, EventAccepted) // during the expiry notice
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, "h2", st.Journey.EventID)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Len(t, *issues, 2)
}

func TestADateChangeBeatsTheReissueMorning(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.MaxReissues = 1 })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).After(time.Hour).Return(delivery.Receipt{}, nil)
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+8*time.Hour+10*time.Minute, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, later, st.Journey.Scheduled, "the new date, not the next working morning")
	require.Len(t, *issues, 2)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
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
