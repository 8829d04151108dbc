package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// An idle employee workflow with a long history continues as new, carrying every applied event id, so a
// re-sent event is still a duplicate in the new run.
func TestContinueAsNewCarriesTheAppliedEvents(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(
		activities.PreflightResult{UserID: "u-1", StrongMethods: []string{"fido2"}}, nil)
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	je.env.SetCurrentHistoryLength(6000)
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1"})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(je.env.GetWorkflowError(), &can), "got %v", je.env.GetWorkflowError())

	var next EmployeeInput
	require.NoError(t, converterFor(t).FromPayloads(can.Input, &next))
	require.Equal(t, "E1", next.EmployeeID)
	require.Equal(t, []string{"h1"}, next.State.Applied)
	require.Equal(t, activities.RefusedAlreadyRegistered, next.State.Journey.Outcome)

	// The next run answers the same event as a duplicate.
	je2 := newJourneyEnv(t, nil)
	je2.send(0, hireEvent("h1", "2026-12-01"), EventDuplicate)
	je2.env.RegisterDelayedCallback(je2.env.CancelWorkflow, time.Hour)
	je2.env.ExecuteWorkflow(Employee, next)
}

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

func TestEventsForAnotherEmployeeAreRejected(t *testing.T) {
	je := newJourneyEnv(t, nil)
	var rejected error
	e := hireEvent("h1", "2026-12-01")
	e.Employee.EmployeeID = "E2"
	je.env.RegisterDelayedCallback(func() {
		je.env.UpdateWorkflow(UpdateEvent, "x", &updateCallbacks{reject: func(err error) { rejected = err }}, e)
	}, 0)
	je.run(time.Hour)
	require.ErrorContains(t, rejected, "is for employee E2, not E1")
	_ = hrevent.Hire
}
