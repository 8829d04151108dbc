package issuance

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Client asks the guard's workflow for verdicts, starting it on the first need (its id is fixed, so two
// workers that start it at once get the same one).
type Client struct {
	Temporal  client.Client
	TaskQueue string // the workflows' task queue
}

// Reserve asks for one pass.
func (c *Client) Reserve(ctx context.Context, r Request) (Verdict, error) {
	var v Verdict
	return v, c.update(ctx, UpdateReserve, r, &v)
}

// Resume lifts a pause; the guard refuses a request without a person or a reason.
func (c *Client) Resume(ctx context.Context, r ResumeRequest) (Status, error) {
	if err := r.Check(); err != nil {
		return Status{}, err
	}
	var s Status
	return s, c.update(ctx, UpdateResume, r, &s)
}

// Status reads the guard's state; a guard that never ran reports an empty state.
func (c *Client) Status(ctx context.Context) (Status, error) {
	resp, err := c.Temporal.QueryWorkflow(ctx, WorkflowID, "", QueryStatus)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("query the issuance guard: %w", err)
	}
	var s Status
	if err := resp.Get(&s); err != nil {
		return Status{}, fmt.Errorf("read the issuance guard's status: %w", err)
	}
	return s, nil
}

// update sends an update to the guard, starting the guard when it is not running.
func (c *Client) update(ctx context.Context, name string, arg, out any) error {
	for attempt := 0; ; attempt++ {
		h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: WorkflowID, UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, out)
		}
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) || attempt > 2 {
			if err != nil {
				return fmt.Errorf("issuance guard %s: %w", name, err)
			}
			return nil
		}
		if err := c.start(ctx); err != nil {
			return err
		}
	}
}

// start starts the guard, or finds the one running.
func (c *Client) start(ctx context.Context) error {
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: WorkflowID, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, WorkflowName, State{})
	if err != nil {
		return fmt.Errorf("start the issuance guard: %w", err)
	}
	return nil
}
