package dirsync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// Reasons a user in a delta round gives no event: each is counted and written to the audit log.
const (
	SkipRemoved         = "removed"             // deleted from the directory: nothing left to act on
	SkipNoEmployeeID    = "no_employee_id"      // no employeeId: not a person HR manages (a service account)
	SkipBadEmployeeID   = "invalid_employee_id" // an employeeId the event contract cannot carry
	SkipGuest           = "guest"               // a guest account
	SkipOutOfScope      = "out_of_scope"        // outside the configured group or attribute scope
	SkipBadTimeZone     = "invalid_time_zone"   // the time-zone attribute holds no IANA zone
	SkipHireDatePast    = "hire_date_past"      // a start date already gone: an employee, not a joiner
	SkipNothingToAct    = "no_change"           // nothing the rules act on changed
	SkipTooManyLeavers  = "too_many_leavers"    // the round held by the leaver breaker
	attrHireDate        = "employeeHireDate"
	attrLeaveDate       = "employeeLeaveDateTime"
	attrAccountEnabled  = "accountEnabled"
	attrExtensionValues = "onPremisesExtensionAttributes"
)

// Change is one user a delta round reported: its current properties (every one of Rules.Select), which of
// them changed, and the round it came in.
type Change struct {
	User graph.DirectoryUser
	// Changed are the properties the round reported changed; nil in a baseline round (the first, or one
	// started afresh), in which only what lies ahead is acted on: a coming start or leave date.
	Changed map[string]bool
	// Round keys the round (a hash of the link it read from): the id of an event no value can key (an account
	// disabled, a leave date cleared), so that reading the same round again gives the same ids.
	Round string
	// ArmSince: a baseline round acts on leave dates after this instant (zero: after now). A baseline that
	// replaces a forgotten link sets it to the last good round, so leavers of the gap are not lost.
	ArmSince time.Time
}

// Baseline says the change comes from a baseline round.
func (c Change) Baseline() bool { return c.Changed == nil }

func (c Change) changed(attr string) bool { return c.Baseline() || c.Changed[attr] }

// Eligible says whether the rules act on the user at all (a person HR manages, a member): the reason when not.
// The scope is checked once a change gives events (AttributeInScope, and the groups).
func (r Rules) Eligible(u graph.DirectoryUser) string {
	switch id := u.String("employeeId"); {
	case u.Removed != "":
		return SkipRemoved
	case strings.TrimSpace(id) == "":
		return SkipNoEmployeeID
	case hrevent.Validate(hrevent.Event{ID: "x", Type: hrevent.Rescind, OccurredAt: time.Now(),
		Employee: hrevent.Employee{EmployeeID: id}}) != nil:
		return SkipBadEmployeeID
	case strings.EqualFold(u.String("userType"), "Guest"):
		return SkipGuest
	}
	return ""
}

// AttributeInScope says the user holds one of the scope attribute's values (true when no attribute scopes).
func (r Rules) AttributeInScope(u graph.DirectoryUser) bool {
	if r.ScopeAttribute == "" {
		return true
	}
	v := strings.TrimSpace(u.String(r.ScopeAttribute))
	for _, want := range r.ScopeValues {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// Events turns a change of a user into HR events, or says why there are none. Every event names the user's
// object id, so that it acts on the account whose attributes changed, never on another account the employee's
// workflow knows.
func (r Rules) Events(c Change, now time.Time) ([]hrevent.Event, string) {
	u := c.User
	emp := hrevent.Employee{EmployeeID: u.String("employeeId"), User: strings.ToLower(u.ID)}
	var out []hrevent.Event
	add := func(t hrevent.Type, attr, key string, e hrevent.Employee, ch *hrevent.Changes) {
		out = append(out, hrevent.Event{ID: EventID(u.ID, attr, key), Type: t, OccurredAt: now, Employee: e, Changes: ch})
	}
	skip, hired, preHire := SkipNothingToAct, false, false
	if hire := u.String(attrHireDate); hire != "" {
		e, why := r.hire(u, emp, hire, now)
		preHire = why == "" && e.StartDate > localToday(e.TimeZone, now)
		switch {
		case why == "" && c.changed(attrHireDate):
			hired = true
			add(hrevent.Hire, "hire", hire, e, nil)
		case c.changed(attrHireDate):
			skip = why
		}
	}
	armed := now
	if !c.ArmSince.IsZero() {
		armed = c.ArmSince
	}
	leave := u.String(attrLeaveDate)
	switch at, err := time.Parse(time.RFC3339, leave); {
	case leave != "" && err == nil && c.changed(attrLeaveDate) && (!c.Baseline() || at.After(armed)):
		e := emp
		e.LeaveAt = at.UTC().Format(time.RFC3339)
		add(hrevent.Termination, "leave", leave, e, nil)
	case leave == "" && !c.Baseline() && c.Changed[attrLeaveDate] && !hired:
		// A new user reports every property, a null leave date too: only a leave date that was set is cleared.
		add(hrevent.TerminationCancelled, "leave-cleared", c.Round, emp, nil)
	}
	// A pre-hire account is often created disabled and enabled on the first day: not a leaver before it.
	if on, ok := u.Bool(attrAccountEnabled); ok && !on && !c.Baseline() && c.Changed[attrAccountEnabled] && !preHire && !hired {
		e := emp
		e.LeaveAt = now.UTC().Format(time.RFC3339)
		add(hrevent.Termination, "disabled", c.Round, e, nil)
	}
	if ch := r.jobChange(c); ch != nil && !hired { // a hire's own department is not a job change
		add(hrevent.JobChange, "job", ch.Department+"\x00"+ch.JobTitle+"\x00"+boolKey(ch.Reregister), emp, ch)
	}
	if len(out) == 0 {
		return nil, skip
	}
	return out, ""
}

// MemberAdded turns a user's joining a watched group into events: joining a privileged group is a job change
// that makes them privileged; joining a scope group reads them as new to the source (a coming hire or leave
// date is armed). round keys the groups round, so that reading it again gives the same ids.
func (r Rules) MemberAdded(u graph.DirectoryUser, group, round string, now time.Time) ([]hrevent.Event, string) {
	var out []hrevent.Event
	skip := SkipNothingToAct
	if containsFold(r.ScopeGroups, group) {
		events, why := r.Events(Change{User: u, Round: round}, now)
		out, skip = append(out, events...), why
	}
	if containsFold(r.PrivilegedGroups, group) {
		yes := true
		out = append(out, hrevent.Event{ID: EventID(u.ID, "privileged", group+"\x00"+round), Type: hrevent.JobChange, OccurredAt: now,
			Employee: hrevent.Employee{EmployeeID: u.String("employeeId"), User: strings.ToLower(u.ID)},
			Changes:  &hrevent.Changes{Department: u.String(AttrDepartment), JobTitle: u.String(AttrJobTitle), Privileged: &yes}})
	}
	if len(out) == 0 {
		return nil, skip
	}
	return out, ""
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Leaving says every event is a termination or its withdrawal: what the source still carries out for an
// employee tapflow already knows who has left its scope (offboarding often removes the groups first).
func Leaving(events []hrevent.Event) bool {
	for _, e := range events {
		if e.Type != hrevent.Termination && e.Type != hrevent.TerminationCancelled {
			return false
		}
	}
	return len(events) > 0
}

// hire is the employee of a hire: the object id as the user, the zone from the attribute or the default, the
// start date read from employeeHireDate; a start date already gone is no hire.
func (r Rules) hire(u graph.DirectoryUser, emp hrevent.Employee, value string, now time.Time) (hrevent.Employee, string) {
	zone := r.DefaultTimeZone
	if r.TimeZoneAttribute != "" {
		if z := strings.TrimSpace(extensionValue(u, r.TimeZoneAttribute)); z != "" {
			zone = z
		}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "Local" {
		return emp, SkipBadTimeZone
	}
	at, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return emp, SkipNothingToAct
	}
	if r.HireDateAs == HireDateLocal {
		at = at.In(loc)
	}
	start := at.Format("2006-01-02")
	if start < now.In(loc).Format("2006-01-02") {
		return emp, SkipHireDatePast
	}
	emp.TimeZone, emp.StartDate, emp.StartTime = zone, start, r.StartTime
	return emp, ""
}

// jobChange is the change a job change records, when a property the rules watch changed (never in a baseline
// round: there is nothing to compare with).
func (r Rules) jobChange(c Change) *hrevent.Changes {
	if c.Baseline() {
		return nil
	}
	any, rereg := false, false
	for _, a := range r.JobChangeOn {
		any = any || c.Changed[a]
	}
	for _, a := range r.ReregisterOn {
		rereg = rereg || c.Changed[a]
	}
	if !any && !rereg {
		return nil
	}
	return &hrevent.Changes{Department: c.User.String(AttrDepartment), JobTitle: c.User.String(AttrJobTitle), Reregister: rereg}
}

// EventID is an event's id from the user's object id, the attribute and its value: the same change read twice
// (a round read again, a restart) has the same id, so it has one effect. The value is hashed: ids carry no
// personal data.
func EventID(objectID, attr, value string) string {
	sum := sha256.Sum256([]byte(value))
	return "dir:" + strings.ToLower(objectID) + ":" + attr + ":" + hex.EncodeToString(sum[:8])
}

// RoundKey keys a round by the link it read from.
func RoundKey(link string) string {
	sum := sha256.Sum256([]byte(link))
	return hex.EncodeToString(sum[:8])
}

// localToday is today's date in the zone.
func localToday(zone string, now time.Time) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return now.In(loc).Format("2006-01-02")
}

// extensionValue reads one onPremisesExtensionAttributes slot.
func extensionValue(u graph.DirectoryUser, slot string) string {
	var ext map[string]*string
	if raw, ok := u.Props[attrExtensionValues]; ok {
		_ = json.Unmarshal(raw, &ext)
	}
	for k, v := range ext {
		if strings.EqualFold(k, slot) && v != nil {
			return *v
		}
	}
	return ""
}

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
