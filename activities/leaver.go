package activities

import (
	"context"
	"fmt"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// DepartRequest is a leaver's departure in Entra.
type DepartRequest struct {
	EmployeeID string `json:"employee_id"`
	User       string `json:"user"` // object id or userPrincipalName
	Disable    bool   `json:"disable"`
	Reason     string `json:"reason"`
}

// DepartResult says what was done; a retry redoes what is idempotent.
type DepartResult struct {
	UserID          string  `json:"user_id"`
	PassesRevoked   int     `json:"passes_revoked"`
	SessionsRevoked bool    `json:"sessions_revoked"`
	Disabled        bool    `json:"disabled"`
	Refusal         Refusal `json:"refusal,omitempty"`
	Message         string  `json:"message,omitempty"`
}

// Depart revokes every pass the user holds, revokes their sign-in sessions and, when asked, disables the
// account, auditing each. An unknown user is a refusal, not an error.
func (j *Journey) Depart(ctx context.Context, req DepartRequest) (DepartResult, error) {
	u, err := j.Graph.GetUser(ctx, req.User)
	if graph.IsNotFound(err) {
		return DepartResult{Refusal: RefusedUserNotFound, Message: "No Entra user matches the employee's user reference: nothing to revoke."}, nil
	}
	if err != nil {
		return DepartResult{}, graphFailure(fmt.Errorf("read the user: %w", err))
	}
	if refusal, msg := j.bindingRefusal(ctx, u, req.EmployeeID, "departure.refused"); refusal != "" {
		return DepartResult{UserID: u.ID, Refusal: refusal, Message: msg + " Nothing was revoked or disabled."}, nil
	}
	out := DepartResult{UserID: u.ID}
	taps, err := j.Graph.ListTAPs(ctx, u.ID)
	if err != nil {
		return DepartResult{}, graphFailure(fmt.Errorf("list the user's passes: %w", err))
	}
	for _, t := range taps {
		err := j.Graph.DeleteTAP(ctx, u.ID, t.ID)
		if err != nil && !graph.IsNotFound(err) {
			return DepartResult{}, graphFailure(fmt.Errorf("revoke a pass: %w", err))
		}
		if err == nil {
			j.metrics().PassRevoked(req.Reason)
		}
		out.PassesRevoked++
		j.record(ctx, audit.Entry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: u.ID, MethodID: t.ID, Reason: req.Reason})
	}
	if err := j.Graph.RevokeSessions(ctx, u.ID); err != nil {
		return DepartResult{}, graphFailure(fmt.Errorf("revoke the sign-in sessions: %w", err))
	}
	out.SessionsRevoked = true
	j.record(ctx, audit.Entry{Action: "sessions.revoked", EmployeeID: req.EmployeeID, UserID: u.ID, Reason: req.Reason})
	if req.Disable {
		if err := j.Graph.SetAccountEnabled(ctx, u.ID, false); err != nil {
			return DepartResult{}, graphFailure(fmt.Errorf("disable the account: %w", err))
		}
		out.Disabled = true
		j.record(ctx, audit.Entry{Action: "account.disabled", EmployeeID: req.EmployeeID, UserID: u.ID, Reason: req.Reason})
	}
	return out, nil
}

// EnableRequest re-enables a rehired employee's account.
type EnableRequest struct {
	EmployeeID string `json:"employee_id"`
	User       string `json:"user"`
	Reason     string `json:"reason"`
}

// EnableAccount enables the account (a rehire, when configured to), only if it is bound to the employee; else
// it leaves the account as it is, and pre-flight refuses the journey.
func (j *Journey) EnableAccount(ctx context.Context, req EnableRequest) error {
	u, err := j.Graph.GetUser(ctx, req.User)
	if graph.IsNotFound(err) {
		return nil // pre-flight reports the missing user as the journey's outcome
	}
	if err != nil {
		return graphFailure(fmt.Errorf("read the user: %w", err))
	}
	if refusal, _ := j.bindingRefusal(ctx, u, req.EmployeeID, "account.enable_refused"); refusal != "" {
		return nil
	}
	if err := j.Graph.SetAccountEnabled(ctx, u.ID, true); err != nil {
		if graph.IsNotFound(err) {
			return nil // pre-flight reports the missing user as the journey's outcome
		}
		return graphFailure(fmt.Errorf("enable the account: %w", err))
	}
	j.record(ctx, audit.Entry{Action: "account.enabled", EmployeeID: req.EmployeeID, UserID: u.ID, Reason: req.Reason})
	return nil
}
