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

func TestJoinerRegistered(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues, revokes := je.issued("tap-1"), je.revoked()
	je.registersAfter(firstMorning.Add(30 * time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)

	j := st.Journey
	require.Equal(t, OutcomeRegistered, j.Outcome, j.Reason)
	require.Equal(t, StageDone, j.Stage)
	require.Equal(t, firstMorning, j.Scheduled)
	require.Len(t, *issues, 1)
	require.Equal(t, "u-1", (*issues)[0].UserID)
	require.Equal(t, []activities.RevokeRequest{{EmployeeID: "E1", UserID: "u-1", MethodID: "tap-1", Reason: "registered"}}, *revokes)
	require.Equal(t, "fido2", j.RegisteredMethod)
	require.False(t, j.Registered.Before(firstMorning.Add(30*time.Minute)))
	require.True(t, j.Registered.Before(firstMorning.Add(32*time.Minute)), "seen within two poll intervals")
	require.Equal(t, 1, j.Attempts)
	require.Empty(t, j.MethodID)
}

func TestJoinerExpiredWithoutReissue(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	var notices []activities.NotifyRequest
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.NotifyRequest) (delivery.Receipt, error) {
			notices = append(notices, r)
			return delivery.Receipt{}, nil
		})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)

	require.Equal(t, OutcomeExpired, st.Journey.Outcome)
	require.Len(t, *revokes, 1)
	require.Equal(t, "expired unregistered", (*revokes)[0].Reason)
	require.Len(t, notices, 1)
	require.Equal(t, "expired", notices[0].Kind)
	require.False(t, notices[0].Reissue)
}

func TestJoinerExpiredThenReissuedNextWorkingMorning(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.MaxReissues = 1 })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(delivery.Receipt{}, nil)
	// Friday 4 December start; the pass expires unregistered; the next working morning is Monday 7 December.
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	je.registersAfter(monday.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-04"), EventAccepted)
	st := je.run(20 * 24 * time.Hour)

	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Len(t, *issues, 2)
	require.Equal(t, "reissue after expiry", (*issues)[1].Reason)
	require.Equal(t, monday, st.Journey.Scheduled)
	require.Equal(t, 2, st.Journey.Attempts)
	require.Equal(t, 1, st.Journey.Reissues)
}

func TestRescindBeforeIssue(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.Equal(t, "the offer was rescinded", st.Journey.Reason)
	require.Empty(t, *issues)
}

func TestRescindAfterIssueRevokes(t *testing.T) {
	je := newJourneyEnv(t, nil)
	revokes := je.hiredWithoutRegistering()
	je.send(firstMorning.Sub(t0)+time.Hour, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.Len(t, *revokes, 1)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "cancelled", (*revokes)[0].Reason)
}

func TestARehireReenablesTheAccountOnTheMorningWhenConfigured(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.RegisterActivity(&activities.Settings{Joiner: mailedSettings(),
		Lifecycle: activities.LifecycleSettings{DisableOnLeave: true, EnableOnRehire: true, MaxRecoveriesPerDay: 3}})
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.departed()
	var enabledAt time.Time
	je.env.OnActivity(journeyActs.EnableAccount, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.EnableRequest) error { enabledAt = je.env.Now(); return nil })
	morning := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	je.registersAfter(morning.Add(time.Hour))
	je.send(time.Hour, event("t1", hrevent.Termination, t0, func(e *hrevent.Event) {
		e.Employee.LeaveAt, e.Employee.User = "2026-11-30T06:30:00Z", "ada@contoso.example"
	}), EventAccepted)
	rehire := hireEvent("h2", "2026-12-07")
	rehire.OccurredAt = t0.Add(3 * time.Hour)
	je.send(3*time.Hour, rehire, EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Equal(t, morning, enabledAt.UTC(), "re-enabled on the first morning, not weeks before")
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
