package workflows

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/workflow"
)

// registerActions wires the manual actions: approve, cancel, reissue. Their validators refuse, before anything
// is written to history, an action that does not fit the journey's stage.
func (w *employee) registerActions(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprove,
		func(_ workflow.Context, r ApproveRequest) (Status, error) {
			w.state.Journey.ApprovedBy = r.Approver
			w.approved = true
			return w.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r ApproveRequest) error {
			if strings.TrimSpace(r.Approver) == "" {
				return errors.New("approver: name who approves the pass")
			}
			if w.approved {
				return errors.New("already approved by " + w.state.Journey.ApprovedBy)
			}
			return w.requireStage(StageAwaitingApproval)
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel,
		func(_ workflow.Context, r ActionRequest) (Status, error) {
			note := "cancelled by " + r.By
			if r.Reason != "" {
				note += ": " + r.Reason
			}
			w.stop(OutcomeCancelled, note)
			return w.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r ActionRequest) error {
			if strings.TrimSpace(r.By) == "" {
				return errors.New("by: name who cancels")
			}
			if !w.running || w.cancelling {
				return errors.New("no journey is running")
			}
			return nil
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateReissue,
		func(_ workflow.Context, _ ActionRequest) (Status, error) {
			w.reissues++
			return w.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r ActionRequest) error {
			if strings.TrimSpace(r.By) == "" {
				return errors.New("by: name who asks for the new pass")
			}
			return w.requireStage(StageAwaitingRegistration)
		}})
}

func (w *employee) requireStage(stage string) error {
	if !w.running || w.cancelling || w.state.Journey == nil || w.state.Journey.Stage != stage {
		current := "none"
		if w.state.Journey != nil && w.running {
			current = w.state.Journey.Stage
		}
		return errors.New("the journey is not at stage " + stage + " (it is at " + current + ")")
	}
	return nil
}

func (w *employee) status() Status {
	st := Status{EmployeeID: w.state.EmployeeID, Journey: w.state.Journey, Leaver: w.state.Leaver, Events: w.state.Events}
	if !w.state.LeaveAt.IsZero() {
		at := w.state.LeaveAt
		st.LeaveAt = &at
	}
	return st
}
