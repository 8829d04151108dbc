package activities

import (
	"context"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// Identity binding: tapflow acts on an Entra account only when the account says it belongs to the employee HR
// named. Without it, whoever can send an HR event could name any account (the CEO's) under a fresh employee id
// and have a pass issued for it, or have it disabled.
const (
	// BindEmployeeID binds on the user's employeeId attribute (the default).
	BindEmployeeID = "employeeId"
	// BindOff turns binding off: an explicit setting, logged at start and flagged by doctor.
	BindOff = "off"
)

// The refusals of identity binding.
const (
	// RefusedIdentityMismatch: the account's attribute names another employee.
	RefusedIdentityMismatch Refusal = "identity_mismatch"
	// RefusedIdentityUnbound: the account's attribute is empty, so nothing ties it to the employee.
	RefusedIdentityUnbound Refusal = "identity_unbound"
)

// BindingModes lists the identity binding settings.
func BindingModes() []string { return []string{BindEmployeeID, BindOff} }

// bindingRefusal says why the account may not be acted on for the employee, or "" when it may; a refusal is
// audited (never with the attribute's value, which is another employee's id at best).
func (j *Journey) bindingRefusal(ctx context.Context, u graph.User, employeeID, action string) (Refusal, string) {
	if j.Settings.IdentityBinding == BindOff {
		return "", ""
	}
	var r Refusal
	var msg string
	switch {
	case u.EmployeeID == "":
		r, msg = RefusedIdentityUnbound, "The Entra account has no employeeId, so nothing ties it to this employee: "+
			"set the account's employeeId to the HR employee id."
	case u.EmployeeID != employeeID:
		r, msg = RefusedIdentityMismatch, "The Entra account's employeeId names another employee: "+
			"check the HR record's user field."
	default:
		return "", ""
	}
	j.record(ctx, audit.Entry{Action: action, EmployeeID: employeeID, UserID: u.ID, Reason: string(r)})
	return r, msg
}
