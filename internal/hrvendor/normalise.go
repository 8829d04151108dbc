package hrvendor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// ErrUnmappedRecord: the record lacks a value the mapping needs, or has one the mapping cannot read; a
// *RecordError matches it.
var ErrUnmappedRecord = errors.New("hrvendor: the record does not give what the mapping needs")

// RecordError lists the problems of one record, each naming the mapping key and the fix, never the value.
// Normalise returns it alongside the events it could build.
type RecordError struct {
	Vendor   string
	Keys     []string // the mapping keys concerned ("user", "time_zone"), in order of first problem, once each
	Problems []string // one line each: mapping.<vendor>.<key>: what is wrong
}

// Error joins the problems into one line.
func (e *RecordError) Error() string { return "hrvendor: " + strings.Join(e.Problems, "; ") }

// Is makes errors.Is(err, ErrUnmappedRecord) true.
func (e *RecordError) Is(target error) bool { return target == ErrUnmappedRecord }

// add records a problem of a mapping key; key "" for one that names no key (an invalid event).
func (e *RecordError) add(key, problem string) {
	if key == "" {
		e.Problems = append(e.Problems, problem)
		return
	}
	e.Problems = append(e.Problems, "mapping."+e.Vendor+"."+key+": "+problem)
	if !slices.Contains(e.Keys, key) {
		e.Keys = append(e.Keys, key)
	}
}

// orNil is e as an error when it holds a problem, else nil.
func (e *RecordError) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// ErrNoRecord: Normalise was given a notice that needs the employee's record (created, updated, terminated)
// without one; fetch it first.
var ErrNoRecord = errors.New("hrvendor: no employee record to normalise")

var (
	employeeIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	vendorIDRe   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// EventID is the deterministic event id of an attribute value: vendor:employee:attribute:<16 hex>, the hex being
// SHA-256 of vendor, employee id, attribute and value. The value itself never appears in the id.
func EventID(vendor, vendorEmployeeID, attribute, value string) string {
	sum := sha256.Sum256([]byte(vendor + "\x00" + vendorEmployeeID + "\x00" + attribute + "\x00" + value))
	emp := vendorEmployeeID
	if !vendorIDRe.MatchString(emp) {
		emp = "h" + hex.EncodeToString(sum[8:14]) // an id with characters an event id cannot hold
	}
	return vendor + ":" + emp + ":" + attribute + ":" + hex.EncodeToString(sum[:8])
}

// facts is what Normalise reads from a record through the mapping.
type facts struct {
	zone, start, leave string // zone may be ""; dates as YYYY-MM-DD, "" when the record has none
	statusLeft         bool
	statusValue        string
	// zoneBad, startBad and leaveBad: the record's value is unreadable (a problem was recorded). A bad zone
	// falls back to default_time_zone; a bad date reads as none.
	zoneBad, startBad, leaveBad bool
}

// Normalise turns a notice and the employee's record (the fetched one, or nil to use n.Record) into contract
// events, each passing hrevent.Validate, with ids derived from the data (EventID) so that repeated deliveries
// of one change give the same ids:
//
//   - a start date (not more than MaxHireAgeDays past) and a user give a hire, its id by the start date;
//   - a leave date or a terminated status (or a terminated notice) give a termination, leave_at being the end of
//     that local day, or now when only the status says so (its id then by the status and the start date, so
//     that each employment's leave is its own); a leave date before the start date is a previous employment
//     and is ignored;
//   - an updated notice whose changed fields include the department or job title gives a job_change, once the
//     start date has passed (before it, the department is part of the hire);
//   - an updated notice whose changed fields include the leave date or the status, for a record that now has
//     neither a leave date nor a terminated status, gives a termination_cancelled, its id by the changed fields
//     and the notice's time to the second (ChangedFields unknown: none);
//   - a deleted notice gives a rescind when the record's start date is still ahead, else nothing (with no record
//     there is nothing to go on; see DeletedWithoutRecord).
//
// occurred_at is the notice's time, clamped to now.
//
// The parts are built independently: a record problem that affects only the hire (no user, an unreadable start
// date, zone or start time) does not keep the termination, job_change or cancellation from being built. Events
// may therefore be returned together with an error: the caller submits the events and records the problem. Such
// an error is a *RecordError (errors.Is(err, ErrUnmappedRecord)) naming the mapping keys, never the values. A
// record whose employee id cannot be read gives no events and a *RecordError; a mapping of another vendor, a
// missing record or an unknown notice kind give no events and another error.
func Normalise(n Notice, r Record, m VendorMapping, now time.Time) ([]hrevent.Event, error) {
	if m.Vendor == "" {
		m.Vendor = n.Vendor
	}
	if m.Vendor != n.Vendor {
		return nil, fmt.Errorf("hrvendor: a %s mapping given a %s notice", m.Vendor, n.Vendor)
	}
	if r == nil {
		r = n.Record
	}
	switch {
	case n.Kind != KindCreated && n.Kind != KindUpdated && n.Kind != KindTerminated && n.Kind != KindDeleted:
		return nil, fmt.Errorf("hrvendor: unknown notice kind %q", n.Kind)
	case r == nil && n.Kind == KindDeleted:
		return nil, nil
	case r == nil:
		return nil, fmt.Errorf("hrvendor: %s notice: %w", n.Kind, ErrNoRecord)
	}
	ps := &RecordError{Vendor: m.Vendor}
	emp := eventEmployeeID(n, r, m, ps)
	if emp == "" {
		return nil, ps.orNil()
	}
	f := readFacts(r, m, ps)
	b := builder{n: n, r: r, m: m, f: f, now: now, base: hrevent.Event{OccurredAt: clampTime(n.OccurredAt, now),
		Employee: hrevent.Employee{EmployeeID: emp, TimeZone: f.zone}}}
	var evs []hrevent.Event
	if n.Kind == KindDeleted {
		evs = b.rescind()
	} else {
		evs = append(evs, b.hire(ps)...)
		evs = append(evs, b.jobChange()...)
		evs = append(evs, b.termination()...)
		evs = append(evs, b.cancellation()...)
	}
	return b.finish(evs, ps)
}

// DeletedWithoutRecord is what a deleted notice gives when the vendor no longer has the record (Fetch answered
// ErrNotFound): a rescind, id EventID(vendor, employee, "rescind", "deleted"), when the mapping takes the
// contract's employee_id from the vendor's id (employee_id unset), since then the notice's employee id is the
// HR employee id; else nil (with a mapped employee_id there is no record to read it from). The rescind stops an
// onboarding in flight; for an employee who never had one, tapflow has nothing to undo.
func DeletedWithoutRecord(n Notice, m VendorMapping, now time.Time) []hrevent.Event {
	if m.Vendor == "" {
		m.Vendor = n.Vendor
	}
	if n.Kind != KindDeleted || m.Vendor != n.Vendor || m.EmployeeID != "" || !employeeIDRe.MatchString(n.EmployeeID) {
		return nil
	}
	e := hrevent.Event{ID: EventID(m.Vendor, n.EmployeeID, "rescind", "deleted"), Type: hrevent.Rescind,
		OccurredAt: clampTime(n.OccurredAt, now), Employee: hrevent.Employee{EmployeeID: n.EmployeeID}}
	if hrevent.Validate(e) != nil {
		return nil
	}
	return []hrevent.Event{e}
}

// clampTime is a notice's time in UTC, or now when it is zero or ahead of now.
func clampTime(at, now time.Time) time.Time {
	if at.IsZero() || at.After(now) {
		at = now
	}
	return at.UTC()
}

// eventEmployeeID is the contract's employee_id: the mapped field's value, or the vendor's id; "" (and a problem
// recorded) when it is not a valid one.
func eventEmployeeID(n Notice, r Record, m VendorMapping, ps *RecordError) string {
	if m.EmployeeID == "" {
		if !employeeIDRe.MatchString(n.EmployeeID) {
			ps.add("employee_id", fmt.Sprintf("unset, and the %s employee id is not 1-64 characters of "+
				"A-Z a-z 0-9 . _ -; set it to a field that is", n.Vendor))
			return ""
		}
		return n.EmployeeID
	}
	v := strings.TrimSpace(r[m.EmployeeID])
	if !employeeIDRe.MatchString(v) {
		ps.add("employee_id", "the record's value is missing or not 1-64 characters of A-Z a-z 0-9 . _ -")
		return ""
	}
	return v
}

// readFacts reads zone, dates and status through the mapping, recording the mapping key of an unreadable value:
// a bad zone falls back to default_time_zone, a bad date reads as none, and the facts say which were bad.
func readFacts(r Record, m VendorMapping, ps *RecordError) facts {
	var f facts
	var err error
	f.zone = m.DefaultTimeZone
	if v := strings.TrimSpace(r[m.TimeZone]); m.TimeZone != "" && v != "" {
		if _, lerr := time.LoadLocation(v); lerr != nil || v == "Local" {
			ps.add("time_zone", "the record's value is not an IANA zone")
			f.zoneBad = true
		} else {
			f.zone = v
		}
	}
	if f.start, err = readDate(r, m.StartDate, m.StartDateFormat); err != nil {
		ps.add("start_date", "the record's value does not match start_date_format")
		f.startBad = true
	}
	if f.leave, err = readDate(r, m.LeaveDate, m.LeaveDateFormat); err != nil {
		ps.add("leave_date", "the record's value does not match leave_date_format")
		f.leaveBad = true
	}
	if m.Status != "" {
		f.statusValue = strings.TrimSpace(r[m.Status])
		for _, v := range m.TerminatedValues {
			f.statusLeft = f.statusLeft || (f.statusValue != "" && strings.EqualFold(f.statusValue, strings.TrimSpace(v)))
		}
	}
	return f
}

// readDate reads field with layout as YYYY-MM-DD; "" when the field is unmapped, empty or BambooHR's empty date.
func readDate(r Record, field, layout string) (string, error) {
	v := strings.TrimSpace(r[field])
	if field == "" || v == "" || v == "0000-00-00" {
		return "", nil
	}
	if layout == "" {
		layout = "2006-01-02"
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return "", err
	}
	return t.Format("2006-01-02"), nil
}

// builder builds one notice's events.
type builder struct {
	n    Notice
	r    Record
	m    VendorMapping
	f    facts
	now  time.Time
	base hrevent.Event
}

// today is the current local date in the employee's zone (UTC when there is none).
func (b builder) today() string {
	loc := time.UTC
	if l, err := time.LoadLocation(b.f.zone); err == nil && b.f.zone != "" {
		loc = l
	}
	return b.now.In(loc).Format("2006-01-02")
}

// event is the base event of type t, its id by attribute and value.
func (b builder) event(t hrevent.Type, attribute, value string) hrevent.Event {
	e := b.base
	e.Type = t
	e.ID = EventID(b.m.Vendor, b.n.EmployeeID, attribute, value)
	return e
}

// left reports whether the employee has left: by status, by the notice, or by a leave date already past that
// is not a previous employment's.
func (b builder) left() bool {
	if b.f.statusLeft || b.n.Kind == KindTerminated {
		return true
	}
	return b.f.leave != "" && b.f.leave < b.today() && (b.f.start == "" || b.f.leave >= b.f.start)
}

// rescind builds a deleted notice's rescind, for a start date still ahead.
func (b builder) rescind() []hrevent.Event {
	if b.f.start == "" || b.f.start <= b.today() {
		return nil
	}
	return []hrevent.Event{b.event(hrevent.Rescind, "rescind", b.f.start)}
}
