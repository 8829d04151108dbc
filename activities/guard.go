package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/issuance"
)

// RefusedRecoveryLimitTenant: the tenant's recoveries and re-registrations for the last 24 hours are used up.
const RefusedRecoveryLimitTenant Refusal = issuance.ReasonRecoveryLimit

// Reserver asks the tenant-wide issuance guard for a verdict; issuance.Client is the real one.
type Reserver interface {
	Reserve(ctx context.Context, r issuance.Request) (issuance.Verdict, error)
}

// reserve asks the guard for this pass, unless both limits are off. A held pass comes back as held (the
// journey waits for the resume signal); a recovery over the tenant's daily limit as a refusal.
func (j *Journey) reserve(ctx context.Context, req IssueRequest) (string, IssueResult, error) {
	limits := j.Settings.Issuance
	r := issuance.Request{Kind: issuance.KindPass, Limits: limits}
	if req.Kind == "recovery" || req.Kind == "mover" || (req.Kind == "" && (req.Reason == "recovery" || req.Reason == "mover")) {
		r.Kind = issuance.KindRecovery // a helpdesk recovery or a mover's re-registration
	}
	if j.Guard == nil || limits.Off() || (r.Kind == issuance.KindPass && limits.PerHour <= 0) {
		return "", IssueResult{}, nil
	}
	if activity.IsActivity(ctx) {
		r.WorkflowID = activity.GetInfo(ctx).WorkflowExecution.ID
		if req.PassKey != "" {
			r.Key = r.WorkflowID + "/" + req.PassKey
		}
	}
	heartbeat(ctx)
	v, err := j.Guard.Reserve(ctx, r)
	if err != nil {
		return "", IssueResult{}, fmt.Errorf("ask the issuance guard: %w", err)
	}
	heartbeat(ctx)
	switch {
	case v.Allowed:
		return "", IssueResult{}, nil
	case v.Reason == issuance.ReasonRecoveryLimit:
		j.record(ctx, audit.Entry{Action: "tap.refused", EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: v.Reason,
			RequestedBy: req.RequestedBy})
		return "", IssueResult{Refusal: RefusedRecoveryLimitTenant, Message: "The tenant's recoveries and " +
			"re-registrations for the last 24 hours are used up (TAPFLOW_TENANT_RECOVERIES_PER_DAY): no pass was issued."}, nil
	default: // paused, or a verdict this worker does not know: hold, never issue
		j.record(ctx, audit.Entry{Action: "tap.held", EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: issuance.ReasonPaused})
		return issuance.ReasonPaused, IssueResult{}, nil
	}
}
