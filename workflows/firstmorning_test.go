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

func moveTo(date string) func(*hrevent.Event) {
	return func(e *hrevent.Event) { e.Employee.StartDate = date }
}

func TestStartDateMovedBeforeIssue(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1")
	je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(time.Hour, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, later, st.Journey.Scheduled)
	require.Len(t, *issues, 1, "no pass for the old date")
	require.False(t, st.Journey.Issued.Before(later))
}

func TestStartDateMovedAfterIssueRevokesAndIssuesAgain(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	revokes := je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Minute))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Hour, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Len(t, *issues, 2)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
	require.Equal(t, "start date moved", (*revokes)[0].Reason)
	require.Equal(t, later, st.Journey.Scheduled)
}

func TestDSTStartMorning(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	je.registersAfter(time.Date(2027, 3, 14, 13, 0, 0, 0, time.UTC))
	hire := hireEvent("h1", "2027-03-14") // the morning New York moves to EDT
	hire.Employee.TimeZone, hire.Employee.StartTime = "America/New_York", "08:00"
	je.send(0, hire, EventAccepted)
	st := je.run(200 * 24 * time.Hour)
	require.Equal(t, time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC), st.Journey.Scheduled, "08:00 EDT")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}

// A moved start date during the first wait ends the wait at once: the pass is revoked and the next one issued
// on the new date's morning, whose own first look waits again.
func TestADateMovedDuringTheFirstWait(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = 5 * time.Minute })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues, revokes := je.issued("tap-1", "tap-2"), je.revoked()
	looks := je.looks(firstMorning.Add(24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	moved := event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-02"))
	je.send(firstMorning.Sub(t0)+2*time.Minute, moved, EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Len(t, *issues, 2)
	require.Equal(t, "start date moved", (*revokes)[0].Reason)
	require.Equal(t, []time.Time{firstMorning.Add(24*time.Hour + 5*time.Minute)}, *looks, "no look for the first pass; the second's after one interval")
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

func TestDateChangeWhileIssuingIsNotLost(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	n := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).After(10 * time.Minute).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			n++
			now := je.env.Now()
			return activities.IssueResult{MethodID: "tap-" + string(rune('0'+n)), Start: now, Expires: now.Add(8 * time.Hour)}, nil
		})
	revokes := je.revoked()
	later := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	je.registersAfter(later.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.send(firstMorning.Sub(t0)+time.Minute, event("d1", hrevent.StartDateChange, t0, moveTo("2026-12-08")), EventAccepted)
	st := je.run(20 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Equal(t, 2, n, "a new pass on the new date")
	require.Equal(t, "start date moved", (*revokes)[0].Reason)
	require.Equal(t, later, st.Journey.Scheduled)
}

func TestLeadAppliesToMorningsNotToReissuesNow(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.StartLead = time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	issues := je.issued("tap-1", "tap-2")
	je.revoked()
	je.registersAfter(firstMorning.Add(3 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	var ok bool
	je.update(firstMorning.Sub(t0)+time.Hour, UpdateReissue, ActionRequest{By: "helpdesk"}, &ok)
	st := je.run(10 * 24 * time.Hour)
	require.True(t, ok)
	require.Equal(t, firstMorning, (*issues)[0].Start, "issued an hour early, usable from the first morning")
	require.True(t, (*issues)[1].Start.IsZero(), "a reissue is usable at once")
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
}
