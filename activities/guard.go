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
	if j.Guard == nil || limits.Off() {
		return "", IssueResult{}, nil
	}
	r := issuance.Request{Kind: issuance.KindPass, Limits: limits}
	if req.Reason == "recovery" || req.Reason == "mover" {
		r.Kind = issuance.KindRecovery // a helpdesk recovery or a mover's re-registration
	}
	if activity.IsActivity(ctx) {
		r.WorkflowID = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	v, err := j.Guard.Reserve(ctx, r)
	if err != nil {
		return "", IssueResult{}, fmt.Errorf("ask the issuance guard: %w", err)
	}
	switch {
	case v.Allowed:
		return "", IssueResult{}, nil
	case v.Reason == issuance.ReasonRecoveryLimit:
		j.record(ctx, audit.Entry{Action: "tap.refused", EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: v.Reason,
			RequestedBy: req.RequestedBy})
		return "", IssueResult{Refusal: RefusedRecoveryLimitTenant, Message: "The tenant's recoveries and " +
			"re-registrations for the last 24 hours are used up (TAPFLOW_TENANT_RECOVERIES_PER_DAY): no pass was issued."}, nil
	default:
		j.record(ctx, audit.Entry{Action: "tap.held", EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: v.Reason})
		return v.Reason, IssueResult{}, nil
	}
}
