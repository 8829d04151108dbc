package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
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
	require.Equal(t, refused(activities.RefusedAlreadyRegistered), next.State.Journey.Outcome)

	// The next run answers the same event as a duplicate.
	je2 := newJourneyEnv(t, nil)
	je2.send(0, hireEvent("h1", "2026-12-01"), EventDuplicate)
	je2.env.RegisterDelayedCallback(je2.env.CancelWorkflow, time.Hour)
	je2.env.ExecuteWorkflow(Employee, next)
}

func TestCancellingTheWorkflowRevokesFirst(t *testing.T) {
	je := newJourneyEnv(t, nil)
	revokes := je.hiredWithoutRegistering()
	je.env.RegisterDelayedCallback(je.env.CancelWorkflow, firstMorning.Sub(t0)+time.Hour)
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1"})
	require.True(t, temporal.IsCanceledError(je.env.GetWorkflowError()))
	require.Len(t, *revokes, 1)
	require.Equal(t, "tap-1", (*revokes)[0].MethodID)
}
