package issuance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Temporal limits the updates one workflow takes at a time and over a run, so reservations made at once in a
// process travel together: while one batch is with the guard, the next gathers.
const (
	maxBatch      = 100              // reservations in one update
	maxInFlight   = 2                // updates one process has with the guard at a time
	updateTimeout = 20 * time.Second // one update, well within the issue activity's heartbeat timeout
)

// Client asks the guard's workflow for verdicts, starting it on the first need (its id is fixed, so two
// workers that start it at once get the same one). The zero value with Temporal and TaskQueue set is ready.
type Client struct {
	Temporal  client.Client
	TaskQueue string // the workflows' task queue

	mu       sync.Mutex
	pending  []*call
	inflight int
}

// call is one reservation waiting for its batch.
type call struct {
	req     Request
	verdict Verdict
	err     error
	done    chan struct{}
}

// Reserve asks for one pass.
func (c *Client) Reserve(ctx context.Context, r Request) (Verdict, error) {
	k := &call{req: r, done: make(chan struct{})}
	c.mu.Lock()
	c.pending = append(c.pending, k)
	start := c.inflight < maxInFlight
	if start {
		c.inflight++
	}
	c.mu.Unlock()
	if start {
		go c.flush()
	}
	select {
	case <-k.done:
		return k.verdict, k.err
	case <-ctx.Done():
		return Verdict{}, fmt.Errorf("issuance guard reserve: %w", ctx.Err())
	}
}

// flush sends the waiting reservations in batches until none wait.
func (c *Client) flush() {
	for {
		c.mu.Lock()
		if len(c.pending) == 0 {
			c.inflight--
			c.mu.Unlock()
			return
		}
		n := min(len(c.pending), maxBatch)
		batch := c.pending[:n:n]
		c.pending = c.pending[n:]
		c.mu.Unlock()
		reqs := make([]Request, len(batch))
		for i, k := range batch {
			reqs[i] = k.req
		}
		var verdicts []Verdict
		err := c.update(context.Background(), UpdateReserve, reqs, &verdicts)
		if err == nil && len(verdicts) != len(batch) {
			err = fmt.Errorf("issuance guard reserve: %d verdicts for %d requests", len(verdicts), len(batch))
		}
		for i, k := range batch {
			if err != nil {
				k.err = err
			} else {
				k.verdict = verdicts[i]
			}
			close(k.done)
		}
	}
}

// Resume lifts a pause; the guard refuses a request without a person or a reason, or when nothing is paused.
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
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
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

// start starts the guard, or finds the one running. A guard whose earlier run was closed outside tapflow
// (cancelled, terminated) starts paused (ReasonRestarted): what it counted is lost, so a person decides.
func (c *Client) start(ctx context.Context) error {
	state := State{}
	d, err := c.Temporal.DescribeWorkflowExecution(ctx, WorkflowID, "")
	var nf *serviceerror.NotFound
	switch {
	case err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		state = Restarted(time.Now().UTC())
	case err != nil && !errors.As(err, &nf):
		return fmt.Errorf("look for the issuance guard: %w", err)
	}
	_, err = c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: WorkflowID, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, WorkflowName, state)
	if err != nil {
		return fmt.Errorf("start the issuance guard: %w", err)
	}
	return nil
}
