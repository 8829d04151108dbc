package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
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
