package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// Why a journey waits for a second person's approval before it issues a pass.
const (
	// HoldPrivileged: the user holds or may activate a directory role, or is in a listed privileged group.
	HoldPrivileged = "privileged"
	// HoldPrivilegeUnknown: tapflow could not read all it needs to know (a missing permission, a tenant without
	// PIM): the user is treated as privileged.
	HoldPrivilegeUnknown = "privilege_unknown"
)

// privilege is what pre-flight found about the user's privilege.
type privilege struct {
	roles   []string // what makes the user privileged, for the approver: role names, "group <id>", "unknown: ..."
	unknown bool     // a read was refused: privileged by default
}

// privileged reports whether the user must be approved first.
func (p privilege) privileged() bool { return p.unknown || len(p.roles) > 0 }

// holdReason is the reason code of the hold, or "".
func (p privilege) holdReason() string {
	switch {
	case p.unknown:
		return HoldPrivilegeUnknown
	case len(p.roles) > 0:
		return HoldPrivileged
	}
	return ""
}

// privilegeOf judges the user's privilege, fail-closed: any active or eligible directory role, at any scope,
// direct or through a group, membership of a role-assignable group, or of a group in Settings.PrivilegedGroups. A read that
// Graph refuses (403, or a 400 or 404 such as a tenant without PIM may answer) makes the user privileged with HoldPrivilegeUnknown;
// throttling and outages are errors, retried. ms is nil when the memberships could not be read (403).
func (j *Journey) privilegeOf(ctx context.Context, employeeID, userID string, ms *graph.Memberships) (privilege, error) {
	var p privilege
	if ms == nil {
		p.unknown = true
		p.roles = append(p.roles, "unknown: the user's roles and groups could not be read")
	} else {
		for _, r := range ms.Roles {
			p.roles = appendRole(p.roles, roleName(r.Name, r.TemplateID))
		}
		for _, g := range ms.Groups {
			switch {
			case slices.ContainsFunc(j.Settings.PrivilegedGroups, func(id string) bool { return strings.EqualFold(id, g.ID) }):
				p.roles = appendRole(p.roles, "group "+g.ID)
			case g.RoleAssignable:
				// Membership of a role-assignable group is privileged whatever Graph lists of its roles: such a
				// group exists to hold roles, and how Graph attributes a group's instances to its members varies.
				p.roles = appendRole(p.roles, "role-assignable group "+g.ID)
			}
		}
	}
	held, err := j.Graph.ListRoleHoldings(ctx, userID)
	switch kind := graph.KindOf(err); {
	case err == nil:
		for _, h := range held {
			p.roles = appendRole(p.roles, holdingName(h))
		}
	case kind == graph.KindThrottled || kind == graph.KindTransient || kind == "":
		return privilege{}, graphFailure(fmt.Errorf("read the user's role assignments and eligibilities: %w", err))
	default: // refused, not found, invalid: what cannot be read counts as privileged
		p.unknown = true
		p.roles = appendRole(p.roles, "unknown: eligible and scoped roles could not be read")
	}
	if p.unknown {
		j.record(ctx, audit.Entry{Action: "privilege.unknown", EmployeeID: employeeID, UserID: userID, Reason: HoldPrivilegeUnknown})
	}
	return p, nil
}

// roleName names a role by its display name, else its template id (roles the app may not read in full still
// show that they are held).
func roleName(name, templateID string) string {
	if name != "" {
		return name
	}
	return templateID
}

// holdingName names a role holding for the approver: "Global Administrator (eligible)", "User Administrator
// (scoped /administrativeUnits/…)".
func holdingName(h graph.RoleHolding) string {
	n := roleName(h.Name, h.TemplateID)
	var notes []string
	if h.Eligible {
		notes = append(notes, "eligible")
	}
	if h.Scope != "" && h.Scope != "/" {
		notes = append(notes, "scoped "+h.Scope)
	}
	if len(notes) == 0 {
		return n
	}
	return n + " (" + strings.Join(notes, ", ") + ")"
}

// appendRole adds name once.
func appendRole(roles []string, name string) []string {
	if slices.Contains(roles, name) {
		return roles
	}
	return append(roles, name)
}
