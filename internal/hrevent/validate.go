package hrevent

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Problem is one thing wrong with an event: the field, by its JSON path, and what is accepted.
type Problem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// Problems is every problem of one event; as an error it reads as one line.
type Problems []Problem

func (p Problems) Error() string {
	parts := make([]string, len(p))
	for i, pr := range p {
		parts[i] = pr.Field + ": " + pr.Problem
	}
	return "invalid event: " + strings.Join(parts, "; ")
}

var (
	idPattern         = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	employeeIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	startTimePattern  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Validate checks an event against the spec and returns every problem, or nil.
func Validate(e Event) error {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if !idPattern.MatchString(e.ID) {
		add("id", "required: 1-128 characters of A-Z a-z 0-9 . _ : -")
	}
	known := false
	for _, t := range Types() {
		known = known || e.Type == t
	}
	if !known {
		names := make([]string, 0, len(Types()))
		for _, t := range Types() {
			names = append(names, string(t))
		}
		add("type", "must be one of %s", strings.Join(names, ", "))
	}
	if e.OccurredAt.IsZero() {
		add("occurred_at", "required: an RFC 3339 time such as 2026-11-26T09:14:03Z")
	} else if e.OccurredAt.Year() < 2000 || e.OccurredAt.Year() >= 2200 {
		add("occurred_at", "must be a time between the years 2000 and 2199")
	}
	emp := e.Employee
	if !employeeIDPattern.MatchString(emp.EmployeeID) {
		add("employee.employee_id", "required: 1-64 characters of A-Z a-z 0-9 . _ -")
	}
	need := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			add(field, "required for a %s event", e.Type)
		}
	}
	switch e.Type {
	case Hire:
		need("employee.user", emp.User)
		need("employee.time_zone", emp.TimeZone)
		need("employee.start_date", emp.StartDate)
	case StartDateChange:
		need("employee.start_date", emp.StartDate)
	case Termination:
		need("employee.leave_at", emp.LeaveAt)
	case JobChange:
		if e.Changes == nil {
			add("changes", "required for a job_change event: department, job_title, privileged, reregister")
		}
	case Recovery:
		need("employee.user", emp.User)
		need("requested_by", e.RequestedBy)
	}
	zoneOK := true
	if emp.TimeZone != "" {
		if _, err := time.LoadLocation(emp.TimeZone); err != nil || emp.TimeZone == "Local" {
			add("employee.time_zone", "unknown IANA zone: use a name such as Europe/London or America/New_York")
			zoneOK = false
		}
	}
	if emp.StartDate != "" {
		if _, err := time.Parse("2006-01-02", emp.StartDate); err != nil {
			add("employee.start_date", "must be a date YYYY-MM-DD")
		}
	}
	if emp.StartTime != "" && !startTimePattern.MatchString(emp.StartTime) {
		add("employee.start_time", "must be a local time HH:MM (00:00-23:59)")
	}
	if emp.LeaveAt != "" && zoneOK {
		if _, err := LeaveInstant(emp.LeaveAt, emp.TimeZone); err != nil {
			add("employee.leave_at", "must be an RFC 3339 time or a date YYYY-MM-DD")
		}
	}
	for _, f := range textFields(e) {
		if len(f.value) > f.max {
			add(f.name, "at most %d characters", f.max)
		}
	}
	checkContact(emp, add)
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// e164 is an international phone number: a plus, a country code, at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// checkContact checks the hire's own contact details, naming the field and never the value.
func checkContact(emp Employee, add func(field, format string, args ...any)) {
	if m := emp.PersonalEmail; m != "" {
		a, err := mail.ParseAddress(m)
		if err != nil || a.Name != "" || a.Address != m || len(m) > 254 {
			add("employee.personal_email", "must be one plain mail address such as name@example.com (at most 254 characters)")
		}
	}
	if p := emp.MobilePhone; p != "" && !e164.MatchString(p) {
		add("employee.mobile_phone", "must be an E.164 number such as +447700900123: a plus, the country code, no spaces")
	}
}

// textField is a free-text field and its length cap: a sender cannot make tapflow carry (into histories, the
// audit log, the status view) more than an HR record needs.
type textField struct {
	name, value string
	max         int
}

func textFields(e Event) []textField {
	f := []textField{{"requested_by", e.RequestedBy, 256}, {"reason", e.Reason, 1024},
		{"employee.user", e.Employee.User, 256}, {"employee.time_zone", e.Employee.TimeZone, 64},
		{"employee.leave_at", e.Employee.LeaveAt, 64}}
	if c := e.Changes; c != nil {
		f = append(f, textField{"changes.department", c.Department, 256}, textField{"changes.job_title", c.JobTitle, 256})
	}
	return f
}

// MaxAhead is how far in the future an event's occurred_at may be: one event dated ahead would make every real
// event of its type stale until then.
const MaxAhead = 5 * time.Minute

// CheckReceived checks what Validate cannot, since it depends on the moment the event arrives: occurred_at at
// most MaxAhead past now.
func CheckReceived(e Event, now time.Time) error {
	if e.OccurredAt.After(now.Add(MaxAhead)) {
		return Problems{{Field: "occurred_at", Problem: "is more than 5 minutes in the future: send the time the change " +
			"happened in HR, from a clock in sync"}}
	}
	return nil
}
