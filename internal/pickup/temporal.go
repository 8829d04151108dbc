package pickup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
)

// revealTimeout bounds a reveal: the journey's checks, the create activity (at most 5 s to start and 10 s to
// run) and the hand-over, within the server's 30-second write deadline.
const revealTimeout = 25 * time.Second

// Temporal is the page's Journeys on a Temporal client: queries, signals and updates to the employee's
// workflow. The pass itself comes through Waiters, from the create activity this process's worker runs.
type Temporal struct {
	Client     client.Client
	Queue      string                       // this process's pickup task queue
	Waiters    *Waiters                     // shared with the create activity
	WorkflowID func(employee string) string // the employee's workflow id
}

// Lookup implements Journeys.
func (t *Temporal) Lookup(ctx context.Context, employee, hash string) (Invitation, error) {
	v, err := t.Client.QueryWorkflow(ctx, t.WorkflowID(employee), "", QueryInvitation, hash)
	if err != nil {
		return Invitation{}, fmt.Errorf("read the invitation: %w", err)
	}
	var inv Invitation
	if err := v.Get(&inv); err != nil {
		return Invitation{}, fmt.Errorf("read the invitation: %w", err)
	}
	return inv, nil
}

// Opened implements Journeys.
func (t *Temporal) Opened(ctx context.Context, employee, hash string, n int) {
	_ = t.Client.SignalWorkflow(ctx, t.WorkflowID(employee), "", SignalOpened, OpenedSignal{Hash: hash, Count: n})
}

// Reveal implements Journeys.
func (t *Temporal) Reveal(ctx context.Context, employee string, r RevealRequest) (Revealed, error) {
	ctx, cancel := context.WithTimeout(ctx, revealTimeout)
	defer cancel()
	id, pass, stop := t.Waiters.Wait()
	defer stop()
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: t.WorkflowID(employee),
		UpdateName: UpdateReveal, Args: []any{RevealUpdate{RevealRequest: r, Queue: t.Queue, WaiterID: id}},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return Revealed{}, fmt.Errorf("reveal: %w", err)
	}
	var a RevealAnswer
	if err := h.Get(ctx, &a); err != nil {
		return Revealed{}, fmt.Errorf("reveal: %w", err) // refused by the journey's validator, or no answer in time
	}
	if a.Refused != "" {
		return Revealed{Refused: a.Refused, Invitation: a.Invitation}, nil
	}
	select {
	case p := <-pass:
		return Revealed{Pass: p, Account: a.Account, Expires: a.Expires, UsableOnce: a.UsableOnce}, nil
	default:
		return Revealed{}, errors.New("reveal: the journey revealed a pass this process did not receive")
	}
}
