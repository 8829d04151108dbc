package hrvendor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

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
}

// Normalise turns a notice and the employee's record (the fetched one, or nil to use n.Record) into contract
// events, each passing hrevent.Validate, with ids derived from the data (EventID) so that repeated deliveries
// of one change give the same ids:
//
//   - a start date (not more than MaxHireAgeDays past) and a user give a hire, its id by the start date;
//   - a leave date or a terminated status (or a terminated notice) give a termination, leave_at being the end of
//     that local day, or now when only the status says so; a leave date before the start date is a previous
//     employment and is ignored;
//   - an updated notice whose changed fields include the department or job title gives a job_change, once the
//     start date has passed (before it, the department is part of the hire);
//   - a deleted notice gives a rescind when the record's start date is still ahead, else nothing (with no record
//     there is nothing to go on).
//
// occurred_at is the notice's time, clamped to now. A record without a required mapped value is an error naming
// the mapping key, never the value.
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
	at := n.OccurredAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	if r == nil {
		if n.Kind == KindDeleted {
			return nil, nil
		}
		return nil, fmt.Errorf("hrvendor: %s notice: %w", n.Kind, ErrNoRecord)
	}
	emp, err := eventEmployeeID(n, r, m)
	if err != nil {
		return nil, err
	}
	f, err := readFacts(r, m)
	if err != nil {
		return nil, err
	}
	b := builder{n: n, r: r, m: m, f: f, now: now, base: hrevent.Event{OccurredAt: at.UTC(),
		Employee: hrevent.Employee{EmployeeID: emp, TimeZone: f.zone}}}
	switch n.Kind {
	case KindDeleted:
		return b.finish(b.rescind())
	case KindCreated, KindUpdated, KindTerminated:
	default:
		return nil, fmt.Errorf("hrvendor: unknown notice kind %q", n.Kind)
	}
	var evs []hrevent.Event
	hire, err := b.hire()
	if err != nil {
		return nil, err
	}
	evs = append(evs, hire...)
	evs = append(evs, b.jobChange()...)
	evs = append(evs, b.termination()...)
	return b.finish(evs, nil)
}

// eventEmployeeID is the contract's employee_id: the mapped field's value, or the vendor's id.
func eventEmployeeID(n Notice, r Record, m VendorMapping) (string, error) {
	if m.EmployeeID == "" {
		if !employeeIDRe.MatchString(n.EmployeeID) {
			return "", fmt.Errorf("hrvendor: the %s employee id is not 1-64 characters of A-Z a-z 0-9 . _ -; "+
				"set mapping.%s.employee_id to a field that is", n.Vendor, m.Vendor)
		}
		return n.EmployeeID, nil
	}
	v := strings.TrimSpace(r[m.EmployeeID])
	if !employeeIDRe.MatchString(v) {
		return "", fmt.Errorf("hrvendor: mapping.%s.employee_id: the record's value is missing or not 1-64 "+
			"characters of A-Z a-z 0-9 . _ -", m.Vendor)
	}
	return v, nil
}

// readFacts reads zone, dates and status through the mapping, naming the mapping key of an unreadable value.
func readFacts(r Record, m VendorMapping) (facts, error) {
	var f facts
	var err error
	f.zone = m.DefaultTimeZone
	if v := strings.TrimSpace(r[m.TimeZone]); m.TimeZone != "" && v != "" {
		if _, lerr := time.LoadLocation(v); lerr != nil || v == "Local" {
			return f, fmt.Errorf("hrvendor: mapping.%s.time_zone: the record's value is not an IANA zone", m.Vendor)
		}
		f.zone = v
	}
	if f.start, err = readDate(r, m.StartDate, m.StartDateFormat); err != nil {
		return f, fmt.Errorf("hrvendor: mapping.%s.start_date: the record's value does not match start_date_format", m.Vendor)
	}
	if f.leave, err = readDate(r, m.LeaveDate, m.LeaveDateFormat); err != nil {
		return f, fmt.Errorf("hrvendor: mapping.%s.leave_date: the record's value does not match leave_date_format", m.Vendor)
	}
	if m.Status != "" {
		f.statusValue = strings.TrimSpace(r[m.Status])
		for _, v := range m.TerminatedValues {
			f.statusLeft = f.statusLeft || (f.statusValue != "" && strings.EqualFold(f.statusValue, strings.TrimSpace(v)))
		}
	}
	return f, nil
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

func (b builder) rescind() ([]hrevent.Event, error) {
	if b.f.start == "" || b.f.start <= b.today() {
		return nil, nil
	}
	return []hrevent.Event{b.event(hrevent.Rescind, "rescind", b.f.start)}, nil
}
