// Package intake is the one way an HR event enters tapflow: validate it, then hand it to the employee's
// workflow with Update-With-Start (the workflow is started if it is not running) and return its answer:
// accepted, duplicate or stale. The webhook, the batches and the CLI all call Submit.
package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
	"github.com/tapflow/tapflow/workflows"
)

// Submit validates an event (and its time against the clock: hrevent.CheckReceived) and applies it to the employee's workflow. A validation failure is returned as
// hrevent.Problems, before anything reaches Temporal.
func Submit(ctx context.Context, c client.Client, e hrevent.Event) (workflows.EventResult, error) {
	if err := hrevent.Validate(e); err != nil {
		return workflows.EventResult{}, err
	}
	if err := hrevent.CheckReceived(e, time.Now()); err != nil {
		return workflows.EventResult{}, err
	}
	id := workflows.EmployeeWorkflowID(e.Employee.EmployeeID)
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// Searchable from its start; the workflow then has no search attribute of its own to write.
		TypedSearchAttributes: temporal.NewSearchAttributes(searchattr.EmployeeID.ValueSet(e.Employee.EmployeeID)),
	}, workflows.Employee, workflows.EmployeeInput{EmployeeID: e.Employee.EmployeeID})
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   workflows.UpdateEvent,
			Args:         []any{e},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return workflows.EventResult{}, fmt.Errorf("hand event %s to workflow %s: %w", e.ID, id, err)
	}
	var res workflows.EventResult
	if err := h.Get(ctx, &res); err != nil {
		return workflows.EventResult{}, fmt.Errorf("event %s: %w", e.ID, err)
	}
	return res, nil
}

// IsInvalid reports whether Submit refused the event as malformed.
func IsInvalid(err error) bool {
	var ps hrevent.Problems
	return errors.As(err, &ps)
}
