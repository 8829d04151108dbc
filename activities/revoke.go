package activities

import (
	"context"
	"fmt"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// RevokeRequest names the pass to revoke; an empty MethodID revokes whatever pass the user holds.
type RevokeRequest struct {
	EmployeeID string `json:"employee_id"`
	UserID     string `json:"user_id"`
	MethodID   string `json:"method_id,omitempty"`
	Reason     string `json:"reason"`
}

// RevokeTAP deletes the pass. A pass already gone is success.
func (j *Journey) RevokeTAP(ctx context.Context, req RevokeRequest) error {
	ids := []string{req.MethodID}
	if req.MethodID == "" {
		taps, err := j.Graph.ListTAPs(ctx, req.UserID)
		if err != nil && !graph.IsNotFound(err) {
			return graphFailure(fmt.Errorf("list the user's passes: %w", err))
		}
		ids = ids[:0]
		for _, t := range taps {
			ids = append(ids, t.ID)
		}
	}
	for _, id := range ids {
		err := j.Graph.DeleteTAP(ctx, req.UserID, id)
		if err != nil && !graph.IsNotFound(err) {
			return graphFailure(fmt.Errorf("revoke the pass: %w", err))
		}
		if err == nil { // a pass already gone (an earlier attempt deleted it) is not counted twice
			j.metrics().PassRevoked(req.Reason)
		}
		j.record(ctx, audit.Entry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: id, Reason: req.Reason})
	}
	return nil
}
