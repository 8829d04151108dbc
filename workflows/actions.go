package workflows

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/workflow"
)

// registerActions wires the manual actions: approve, cancel, reissue. Their validators refuse, before anything
// is written to history, an action that does not fit the journey's stage.
func (w *employee) registerActions(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprove, w.approve,
		workflow.UpdateHandlerOptions{Validator: w.validateApprove}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel, w.cancel,
		workflow.UpdateHandlerOptions{Validator: w.validateCancel}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateReissue, w.reissue,
		workflow.UpdateHandlerOptions{Validator: w.validateReissue})
}

// approve lets a privileged user's held pass be issued: the journey waits for an approver's name. The approval
// is audited with the approver, the reason and the journey.
func (w *employee) approve(_ workflow.Context, r ApproveRequest) (Status, error) {
	w.journey.rec.ApprovedBy = r.Approver
	w.journey.rec.ApprovedRoles = w.journey.rec.Roles // what the approver saw: more privilege later needs a new approval
	// The reason is kept in the journey's history, not in the log: free text may hold personal data.
	w.logger.Info("audit journey.approved", "audit", true, "action", "journey.approved", "employee_id", w.state.EmployeeID,
		"event_id", r.EventID, "approver", r.Approver)
	return w.status(), nil
}

// validateApprove refuses, before anything is written to history, an approval that names nobody, another
// employee or another journey than the one awaiting approval, or that comes from the person who asked for the
// pass or the person it is for.
func (w *employee) validateApprove(_ workflow.Context, r ApproveRequest) error {
	switch {
	case strings.TrimSpace(r.Approver) == "":
		return errors.New("approver: name who approves the pass")
	case len(r.Approver) > 256:
		return errors.New("approver: at most 256 characters")
	case len(r.Reason) > 1024:
		return errors.New("reason: at most 1024 characters")
	}
	if err := w.requireStage(StageAwaitingApproval); err != nil {
		return err
	}
	j := w.journey.rec
	switch {
	case j.ApprovedBy != "":
		return errors.New("already approved by " + j.ApprovedBy)
	case r.EmployeeID != w.state.EmployeeID:
		return errors.New("employee_id: the approval names another employee than this workflow's")
	case r.EventID != j.EventID:
		return errors.New("event_id: the approval names another journey than the one awaiting approval (starter status shows its event)")
	case samePerson(r.Approver, j.RequestedBy):
		return errors.New("approver: the person who asked for the pass cannot approve it: a second person must")
	case w.isTheEmployee(r.Approver):
		return errors.New("approver: nobody approves their own pass")
	}
	return nil
}

// isTheEmployee says the name is one of the employee's own: the reference HR sent, the account's object id, or
// its principal name. Names are what the caller typed: this check stops mistakes and the lazy attack; who may
// send updates at all is for the cluster's authorization to decide (docs/security.md).
func (w *employee) isTheEmployee(name string) bool {
	j := w.journey
	if samePerson(name, j.rec.User) || samePerson(name, j.rec.UserID) {
		return true
	}
	return j.checked.recipient != nil && samePerson(name, j.checked.recipient.UserPrincipalName)
}

// samePerson compares two user references (UPNs or object ids) as Entra does: case-insensitively.
func samePerson(a, b string) bool {
	return b != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// cancel stops the running journey, which revokes its pass on its way out.
func (w *employee) cancel(_ workflow.Context, r ActionRequest) (Status, error) {
	note := "cancelled by " + r.By
	if r.Reason != "" {
		note += ": " + r.Reason
	}
	w.journey.stop(OutcomeCancelled, note)
	return w.status(), nil
}

func (w *employee) validateCancel(_ workflow.Context, r ActionRequest) error {
	if strings.TrimSpace(r.By) == "" {
		return errors.New("by: name who cancels")
	}
	if w.journey == nil || w.journey.stopping {
		return errors.New("no journey is running")
	}
	return nil
}

// reissue asks the waiting journey for a new pass now: it revokes the current one first.
func (w *employee) reissue(_ workflow.Context, _ ActionRequest) (Status, error) {
	w.journey.news.reissue = true
	return w.status(), nil
}

func (w *employee) validateReissue(_ workflow.Context, r ActionRequest) error {
	if strings.TrimSpace(r.By) == "" {
		return errors.New("by: name who asks for the new pass")
	}
	if j := w.journey; j != nil && !j.stopping && j.rec.Stage == StageInvited {
		return nil // a new pickup link; the old one dies
	}
	return w.requireStage(StageAwaitingRegistration)
}

func (w *employee) requireStage(stage Stage) error {
	if j := w.journey; j == nil || j.stopping || j.rec.Stage != stage {
		current := "none"
		if j != nil {
			current = string(j.rec.Stage)
		}
		return errors.New("the journey is not at stage " + string(stage) + " (it is at " + current + ")")
	}
	return nil
}
