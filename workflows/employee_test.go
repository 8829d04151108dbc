package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// The first morning of the default hire: 1 December 2026, 09:00 London (GMT) = 09:00 UTC.
var firstMorning = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func notYet() error {
	return temporal.NewApplicationError("no strong method registered yet", activities.ErrNotRegisteredYet)
}

// issued mocks IssueAndDeliver: a pass from now, lasting the requested lifetime.
func (je *journeyEnv) issued(ids ...string) *[]activities.IssueRequest {
	var reqs []activities.IssueRequest
	n := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			reqs = append(reqs, r)
			id := ids[min(n, len(ids)-1)]
			n++
			start := je.env.Now()
			if !r.Start.IsZero() {
				start = r.Start
			}
			return activities.IssueResult{MethodID: id, Start: start, Expires: start.Add(time.Duration(r.LifetimeMinutes) * time.Minute),
				Channel: r.Channel, MessageID: "msg-" + id}, nil
		})
	return &reqs
}

func (je *journeyEnv) revoked() *[]activities.RevokeRequest {
	var reqs []activities.RevokeRequest
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.RevokeRequest) error { reqs = append(reqs, r); return nil })
	return &reqs
}

// registersAfter mocks AwaitRegistration: nothing until at, then a FIDO2 key.
func (je *journeyEnv) registersAfter(at time.Time) {
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RegistrationRequest) (activities.Registration, error) {
			if je.env.Now().Before(at) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "key-1"}, nil
		})
}

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
	require.Equal(t, 480, (*issues)[0].LifetimeMinutes, "8 hours, within the policy's 60-480")
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
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Hour, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.Len(t, *revokes, 1)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "cancelled", (*revokes)[0].Reason)
}
