package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
)

func TestReminderBeforeExpiry(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.ReminderBefore = 2 * time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	var notices []activities.NotifyRequest
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.NotifyRequest) (delivery.Receipt, error) {
			r.Expires = je.env.Now() // when it was sent
			notices = append(notices, r)
			return delivery.Receipt{}, nil
		})
	je.registersAfter(firstMorning.Add(7 * time.Hour)) // after the reminder, before expiry
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Len(t, notices, 1)
	require.Equal(t, "reminder", notices[0].Kind)
	require.Equal(t, firstMorning.Add(6*time.Hour), notices[0].Expires.UTC(), "sent two hours before the 8-hour pass expires")
}

// looks mocks AwaitRegistration as registersAfter does and records when each look ran.
func (je *journeyEnv) looks(registered time.Time) *[]time.Time {
	var at []time.Time
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RegistrationRequest) (activities.Registration, error) {
			at = append(at, je.env.Now().UTC())
			if je.env.Now().Before(registered) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "key-1"}, nil
		})
	return &at
}

// hiredWithLooks runs a hire for the first morning, the key there from registered on, and returns the
// journey's status and its looks.
func hiredWithLooks(t *testing.T, je *journeyEnv, registered time.Time) (Status, []time.Time) {
	t.Helper()
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	looks := je.looks(registered)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	return st, *looks
}

func TestTheFirstLookComesOneIntervalAfterDelivery(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = 5 * time.Minute })
	// The key is there the moment the pass is: a look at delivery would have seen it.
	st, looks := hiredWithLooks(t, je, firstMorning)
	require.Equal(t, []time.Time{firstMorning.Add(5 * time.Minute)}, looks, "no look at delivery; the first one interval later")
	require.Equal(t, firstMorning.Add(5*time.Minute), st.Journey.Registered.UTC())
}

func TestLooksKeepTheirScheduleAfterTheQuietFirstOne(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = 5 * time.Minute })
	_, looks := hiredWithLooks(t, je, firstMorning.Add(12*time.Minute))
	require.Equal(t, []time.Time{firstMorning.Add(5 * time.Minute), firstMorning.Add(10 * time.Minute), firstMorning.Add(15 * time.Minute)},
		looks, "every interval from delivery, as before, without the look at delivery")
}

func TestAHintDuringTheFirstWaitLooksAtOnce(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = time.Hour })
	hint := firstMorning.Add(3 * time.Minute)
	je.env.RegisterDelayedCallback(func() { je.env.SignalWorkflow(SignalRegistered, nil) }, hint.Sub(t0))
	st, looks := hiredWithLooks(t, je, firstMorning.Add(2*time.Minute))
	require.Equal(t, []time.Time{hint}, looks)
	require.Equal(t, hint, st.Journey.Registered.UTC())
}

func TestAFirstIntervalPastExpiryOrReminderLooksAtOnce(t *testing.T) {
	for name, mutate := range map[string]func(*activities.JoinerSettings){
		"past expiry": func(s *activities.JoinerSettings) { s.PollInterval = 9 * time.Hour }, // the pass lasts 8
		"past reminder": func(s *activities.JoinerSettings) {
			s.PollInterval, s.ReminderBefore = time.Hour, 7*time.Hour+30*time.Minute
		},
	} {
		t.Run(name, func(t *testing.T) {
			je := newJourneyEnv(t, mutate)
			je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(delivery.Receipt{}, nil).Maybe()
			_, looks := hiredWithLooks(t, je, firstMorning)
			require.Equal(t, []time.Time{firstMorning}, looks, "a look at delivery, as before the change")
		})
	}
}

// With one deadline timer at a time, the reminder still goes out on time and the pass still expires on time.
func TestTheReminderThenTheExpiryWithOneTimerAtATime(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.ReminderBefore = 2 * time.Hour })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	type notice struct {
		kind string
		at   time.Time
	}
	var notices []notice
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.NotifyRequest) (delivery.Receipt, error) {
			notices = append(notices, notice{r.Kind, je.env.Now().UTC()})
			return delivery.Receipt{}, nil
		})
	var revokedAt time.Time
	je.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "RevokeTAP" {
			revokedAt = je.env.Now().UTC()
		}
	})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeExpired, st.Journey.Outcome)
	require.Equal(t, []notice{{"reminder", firstMorning.Add(6 * time.Hour)}, {"expired", firstMorning.Add(8 * time.Hour)}}, notices)
	require.Len(t, *revokes, 1)
	require.Equal(t, firstMorning.Add(8*time.Hour), revokedAt, "revoked the moment the 8-hour pass expired")
}

// A hint that arrives while the pass is being issued asks for a look at once, not one interval later.
func TestAHintWhileIssuingLooksAtOnce(t *testing.T) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.PollInterval = time.Hour })
	je.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "IssueAndDeliver" {
			je.env.SignalWorkflow(SignalRegistered, nil)
		}
	})
	_, looks := hiredWithLooks(t, je, firstMorning)
	require.Equal(t, []time.Time{firstMorning}, looks)
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
	require.Equal(t, st.Journey.Issued, last.Delivered)
}
