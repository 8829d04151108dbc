package hrvendor

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// hire builds the hire event, or none when there is no start date, the employee has left, or the start date is
// more than MaxHireAgeDays past.
func (b builder) hire() ([]hrevent.Event, error) {
	if b.f.start == "" || b.left() {
		return nil, nil
	}
	oldest, _ := time.Parse("2006-01-02", b.today())
	if b.f.start < oldest.AddDate(0, 0, -b.m.MaxHireAgeDays).Format("2006-01-02") {
		return nil, nil
	}
	user := strings.TrimSpace(b.r[b.m.User])
	if user == "" {
		return nil, fmt.Errorf("hrvendor: mapping.%s.user: the record has no value, and a hire needs the Entra user", b.m.Vendor)
	}
	if b.f.zone == "" {
		return nil, fmt.Errorf("hrvendor: mapping.%s.time_zone: the record has no value and default_time_zone is not set", b.m.Vendor)
	}
	startTime, err := b.startTime()
	if err != nil {
		return nil, err
	}
	e := b.event(hrevent.Hire, "hire", b.f.start)
	e.Employee.User = user
	e.Employee.StartDate = b.f.start
	e.Employee.StartTime = startTime
	e.Employee.PersonalEmail = plainAddress(b.r[b.m.PersonalEmail])
	e.Employee.MobilePhone = e164(b.r[b.m.MobilePhone])
	return []hrevent.Event{e}, nil
}

// startTime reads the mapped start time (HH:MM, or 3:04 PM) or the default.
func (b builder) startTime() (string, error) {
	v := strings.TrimSpace(b.r[b.m.StartTime])
	if b.m.StartTime == "" || v == "" {
		return b.m.DefaultStartTime, nil
	}
	for _, layout := range []string{"15:04", "3:04 PM", "3:04PM", "15:04:05"} {
		if t, err := time.Parse(layout, strings.ToUpper(v)); err == nil {
			return t.Format("15:04"), nil
		}
	}
	return "", fmt.Errorf("hrvendor: mapping.%s.start_time: the record's value is not a time such as 08:30", b.m.Vendor)
}

// jobChange builds a job_change when an updated notice says the department or job title changed, for someone
// who has started: before the first day, a new department is part of the hire, not a move.
func (b builder) jobChange() []hrevent.Event {
	if b.n.Kind != KindUpdated || (b.f.start != "" && b.f.start >= b.today()) {
		return nil
	}
	changed := func(field string) bool {
		for _, c := range b.n.ChangedFields {
			if sameField(c, field) {
				return true
			}
		}
		return false
	}
	ch := hrevent.Changes{}
	if changed(b.m.Department) {
		ch.Department = strings.TrimSpace(b.r[b.m.Department])
	}
	if changed(b.m.JobTitle) {
		ch.JobTitle = strings.TrimSpace(b.r[b.m.JobTitle])
	}
	if ch.Department == "" && ch.JobTitle == "" {
		return nil
	}
	e := b.event(hrevent.JobChange, "job_change", "department="+ch.Department+"\x00job_title="+ch.JobTitle)
	e.Changes = &ch
	return []hrevent.Event{e}
}

// termination builds the termination: by leave date (the end of that local day) unless it belongs to a previous
// employment, else by status or a terminated notice (now).
func (b builder) termination() []hrevent.Event {
	if b.f.leave != "" && (b.f.start == "" || b.f.leave >= b.f.start) {
		e := b.event(hrevent.Termination, "termination", b.f.leave)
		e.Employee.LeaveAt = b.f.leave
		return []hrevent.Event{e}
	}
	var value string
	switch {
	case b.f.statusLeft:
		value = "status=" + strings.ToLower(b.f.statusValue)
	case b.n.Kind == KindTerminated:
		value = "notice=terminated"
	default:
		return nil
	}
	e := b.event(hrevent.Termination, "termination", value)
	e.Employee.LeaveAt = b.now.UTC().Format(time.RFC3339)
	return []hrevent.Event{e}
}

// finish validates every event: a problem is an error naming the event's fields, never their values.
func (b builder) finish(evs []hrevent.Event, err error) ([]hrevent.Event, error) {
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if verr := hrevent.Validate(e); verr != nil {
			return nil, fmt.Errorf("hrvendor: the %s event built from a %s notice is invalid: %w", e.Type, b.m.Vendor, verr)
		}
	}
	return evs, nil
}

// plainAddress returns v when it is one plain mail address, else "" (an optional field is dropped, not fatal).
func plainAddress(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 254 {
		return ""
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Name != "" || a.Address != v {
		return ""
	}
	return v
}

// e164 returns v as an E.164 number (spaces, dashes, dots and parentheses removed) or "" when it is not one.
func e164(v string) string {
	v = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()\u00a0", r) {
			return -1
		}
		return r
	}, strings.TrimSpace(v))
	if len(v) < 8 || len(v) > 16 || v[0] != '+' || v[1] == '0' {
		return ""
	}
	for _, c := range v[1:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return v
}
