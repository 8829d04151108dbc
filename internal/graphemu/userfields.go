package graphemu

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// extAttrCount is how many onPremisesExtensionAttributes Graph has (extensionAttribute1..15).
const extAttrCount = 15

// ScopedRole is an active directory role scoped to an administrative unit. It is an extension of the
// emulator's (Graph has no such user property): it shows up in
// /roleManagement/directory/roleAssignmentScheduleInstances with directoryScopeId
// "/administrativeUnits/{administrativeUnitId}", and nowhere else (not in memberOf or transitiveMemberOf,
// as Graph lists only tenant-wide role memberships there).
type ScopedRole struct {
	Role                 string `json:"role"`                 // role name, e.g. "User Administrator"
	AdministrativeUnitID string `json:"administrativeUnitId"` // any id; the emulator does not model units
}

// userExtras are the checked and normalized values of a SeedUser's newer fields.
type userExtras struct {
	userType  string
	extAttrs  [extAttrCount]string
	hireDate  time.Time // zero = null
	leaveDate time.Time // zero = null
}

// checkUserExtras validates userType, eligibleRoles, scopedRoles, onPremisesExtensionAttributes,
// employeeHireDate and employeeLeaveDateTime; the error names the faulty field.
func checkUserExtras(su SeedUser) (userExtras, error) {
	var x userExtras
	var err error
	if x.hireDate, err = parseDateTimeOffset("employeeHireDate", su.EmployeeHireDate); err != nil {
		return x, err
	}
	if x.leaveDate, err = parseDateTimeOffset("employeeLeaveDateTime", su.EmployeeLeaveDateTime); err != nil {
		return x, err
	}
	switch {
	case su.UserType == "" || strings.EqualFold(su.UserType, "Member"):
		x.userType = "Member"
	case strings.EqualFold(su.UserType, "Guest"):
		x.userType = "Guest"
	default:
		return x, fmt.Errorf("userType must be \"Member\" or \"Guest\", not %q", su.UserType)
	}
	for i, r := range su.EligibleRoles {
		if strings.TrimSpace(r) == "" {
			return x, fmt.Errorf("eligibleRoles[%d] must name a role", i)
		}
	}
	for i, sr := range su.ScopedRoles {
		if strings.TrimSpace(sr.Role) == "" {
			return x, fmt.Errorf("scopedRoles[%d].role must name a role", i)
		}
		if strings.TrimSpace(sr.AdministrativeUnitID) == "" {
			return x, fmt.Errorf("scopedRoles[%d].administrativeUnitId is required", i)
		}
	}
	for k, v := range su.OnPremisesExtensionAttributes {
		n, ok := extAttrIndex(k)
		if !ok {
			return x, fmt.Errorf("onPremisesExtensionAttributes: unknown key %q (use extensionAttribute1 to extensionAttribute15)", k)
		}
		x.extAttrs[n-1] = v
	}
	return x, nil
}

// extAttrIndex returns n for the key "extensionAttribute<n>" (1..15, any case).
func extAttrIndex(key string) (int, bool) {
	const prefix = "extensionattribute"
	if !strings.HasPrefix(strings.ToLower(key), prefix) {
		return 0, false
	}
	digits := key[len(prefix):]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > extAttrCount || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// extAttrsJSON renders onPremisesExtensionAttributes as Graph does: all 15 keys, null where unset.
func extAttrsJSON(a [extAttrCount]string) map[string]any {
	out := make(map[string]any, extAttrCount)
	for i, v := range a {
		out["extensionAttribute"+strconv.Itoa(i+1)] = nullable(v)
	}
	return out
}

// extAttrsView renders the set extension attributes only, as the control API takes them.
func extAttrsView(a [extAttrCount]string) map[string]string {
	out := map[string]string{}
	for i, v := range a {
		if v != "" {
			out["extensionAttribute"+strconv.Itoa(i+1)] = v
		}
	}
	return out
}

// parseDateTimeOffset reads an Edm.DateTimeOffset ("2026-12-07T09:00:00Z", any offset) as UTC; "" is the zero
// time (null). The error names field and never repeats the value.
func parseDateTimeOffset(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a DateTimeOffset such as 2026-12-07T09:00:00Z", field)
	}
	return t.UTC(), nil
}

// nullableTime renders t as a DateTimeOffset string, or nil (JSON null) for the zero time.
func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}
