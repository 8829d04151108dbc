package activities

import (
	"context"
	"strconv"

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

// BindingModes lists the identity binding settings: employeeId, the fifteen onPremisesExtensionAttributes
// slots (extensionAttribute1 … extensionAttribute15), and off.
func BindingModes() []string {
	modes := []string{BindEmployeeID}
	for i := 1; i <= 15; i++ {
		modes = append(modes, "extensionAttribute"+strconv.Itoa(i))
	}
	return append(modes, BindOff)
}

// boundValue is the account's value of the binding attribute.
func boundValue(u graph.User, attribute string) string {
	if attribute == "" || attribute == BindEmployeeID {
		return u.EmployeeID
	}
	return u.Extensions[attribute]
}

// bindingRefusal says why the account may not be acted on for the employee, or "" when it may; a refusal is
// audited (never with the attribute's value, which is another employee's id at best).
func (j *Journey) bindingRefusal(ctx context.Context, u graph.User, employeeID, action string) (Refusal, string) {
	if j.Settings.IdentityBinding == BindOff {
		return "", ""
	}
	var r Refusal
	var msg string
	attr := j.Settings.IdentityBinding
	if attr == "" {
		attr = BindEmployeeID
	}
	switch v := boundValue(u, attr); {
	case v == "":
		r, msg = RefusedIdentityUnbound, "The Entra account has no "+attr+", so nothing ties it to this employee: "+
			"set the account's "+attr+" to the HR employee id."
	case v != employeeID:
		r, msg = RefusedIdentityMismatch, "The Entra account's "+attr+" names another employee: "+
			"check the HR record's user field."
	default:
		return "", ""
	}
	j.record(ctx, audit.Entry{Action: action, EmployeeID: employeeID, UserID: u.ID, Reason: string(r)})
	return r, msg
}
