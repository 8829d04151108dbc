package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// CreateForReveal creates the pass, starting now, and hands it to the waiting response. If the response gave up,
// it revokes what it created. The issuance guard is asked first, as for every pass.
func (p *Pickup) CreateForReveal(ctx context.Context, req CreateRequest) (CreateResult, error) {
	j := p.Journey
	if req.LifetimeMinutes > 0 { // the workers' settings win over the page process's own
		copied := *j
		copied.Settings.LifetimeMinutes, copied.Settings.UsableOnce, copied.Settings.Issuance =
			req.LifetimeMinutes, req.UsableOnce, req.Issuance
		j = &copied
	}
	if !p.Waiters.Waiting(req.WaiterID) {
		return CreateResult{Undelivered: true}, nil
	}
	held, refused, err := j.reserve(ctx, IssueRequest{EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: "pickup",
		Kind: req.Kind, PassKey: req.PassKey})
	if err != nil || held != "" || refused.Refusal != "" {
		return CreateResult{Held: held, Refusal: refused.Refusal}, err
	}
	policy, err := j.policy(ctx)
	if err != nil {
		return CreateResult{}, err
	}
	once := j.Settings.UsableOnce || policy.UsableOnce
	issued, err := j.Graph.CreateTAP(ctx, req.UserID, graph.TAPRequest{LifetimeMinutes: ClampLifetime(j.Settings.LifetimeMinutes, policy),
		UsableOnce: &once})
	if err != nil {
		return CreateResult{}, graphFailure(fmt.Errorf("create the pass: %w", err))
	}
	j.record(ctx, audit.Entry{Action: "tap.issued", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID, Reason: "pickup"})
	if !p.Waiters.Deliver(req.WaiterID, issued.Pass) {
		undo, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second) // even if the activity's time is up
		defer cancel()
		if derr := j.Graph.DeleteTAP(undo, req.UserID, issued.ID); derr != nil && !graph.IsNotFound(derr) {
			return CreateResult{}, graphFailure(fmt.Errorf("revoke the pass nobody waited for: %w", derr))
		}
		j.record(ctx, audit.Entry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID, Reason: "undelivered"})
		return CreateResult{Undelivered: true}, nil
	}
	j.record(ctx, audit.Entry{Action: "pickup.revealed", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID})
	j.metrics().PassIssued("pickup")
	return CreateResult{MethodID: issued.ID, Start: issued.Start, Expires: issued.Expires(), UsableOnce: issued.UsableOnce}, nil
}
