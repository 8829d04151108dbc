package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
)

func TestMoverReregistrationWaitsForANewMethod(t *testing.T) {
	je := newJourneyEnv(t, nil)
	pre := okPreflight
	pre.StrongMethods, pre.StrongMethodIDs = []string{"fido2"}, []string{"old-key"}
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil)
	je.issued("tap-1")
	je.revoked()
	var ignored []string
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.RegistrationRequest) (activities.Registration, error) {
			ignored = r.Ignore
			if je.env.Now().Before(t0.Add(3 * time.Hour)) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "new-key"}, nil
		})
	reregister := event("j1", hrevent.JobChange, t0, func(e *hrevent.Event) {
		e.Employee.User, e.Changes = "ada@contoso.example", &hrevent.Changes{Reregister: true}
	})
	je.send(time.Hour, reregister, EventAccepted)
	st := je.run(24 * time.Hour)
	require.Equal(t, KindMover, st.Journey.Kind)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, []string{"old-key"}, ignored, "the existing key does not count")
}

func TestMoverBecomingPrivileged(t *testing.T) {
	privileged := func(e *hrevent.Event) {
		yes := true
		e.Employee.User, e.Changes = "ada@contoso.example", &hrevent.Changes{Privileged: &yes}
	}
	t.Run("without a phishing-resistant method", func(t *testing.T) {
		je := newJourneyEnv(t, nil)
		var asked activities.Strength
		je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
			func(_ context.Context, r activities.PreflightRequest) (activities.PreflightResult, error) {
				asked = r.Strength
				return okPreflight, nil // an Authenticator does not count; no FIDO2 yet
			})
		issues := je.issued("tap-1")
		je.revoked()
		je.registersAfter(t0.Add(2 * time.Hour))
		je.send(time.Hour, event("j1", hrevent.JobChange, t0, privileged), EventAccepted)
		st := je.run(24 * time.Hour)
		require.Equal(t, activities.StrengthPhishingResistant, asked)
		require.Len(t, *issues, 1)
		require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	})
	t.Run("with one already", func(t *testing.T) {
		je := newJourneyEnv(t, nil)
		pre := okPreflight
		pre.StrongMethods = []string{"windowsHelloForBusiness"}
		je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(pre, nil)
		issues := je.issued("tap-1")
		je.send(time.Hour, event("j1", hrevent.JobChange, t0, privileged), EventAccepted)
		st := je.run(24 * time.Hour)
		require.Empty(t, *issues)
		require.Equal(t, refused(activities.RefusedAlreadyRegistered), st.Journey.Outcome)
	})
}

func TestBecomingPrivilegedDuringAJoinerQueuesTheReregistration(t *testing.T) {
	je := newJourneyEnv(t, nil)
	var asked []activities.Strength
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.PreflightRequest) (activities.PreflightResult, error) {
			asked = append(asked, r.Strength)
			return okPreflight, nil
		})
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("j1", hrevent.JobChange, t0, func(e *hrevent.Event) {
		yes := true
		e.Changes = &hrevent.Changes{Privileged: &yes}
	}), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Len(t, *issues, 2, "the joiner's pass, then the phishing-resistant re-registration's")
	require.Equal(t, KindMover, st.Journey.Kind)
	require.Equal(t, activities.StrengthPhishingResistant, asked[len(asked)-1])
}
