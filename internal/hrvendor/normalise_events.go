package hrvendor

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// hire builds the hire event, or none when there is no start date, the employee has left, or the start date is
// more than MaxHireAgeDays past. A hire that is due but cannot be built (no user, no usable zone, an unreadable
// start time) records its problems and gives none; an unreadable start or leave date (recorded by readFacts)
// gives none too, since whether a hire is due is then unknown.
func (b builder) hire(ps *RecordError) []hrevent.Event {
	if b.f.startBad || b.f.leaveBad || b.f.start == "" || b.left() {
		return nil
	}
	oldest, _ := time.Parse("2006-01-02", b.today())
	if b.f.start < oldest.AddDate(0, 0, -b.m.MaxHireAgeDays).Format("2006-01-02") {
		return nil
	}
	user := strings.TrimSpace(b.r[b.m.User])
	if user == "" {
		ps.add("user", "the record has no value, and a hire needs the Entra user")
	}
	if b.f.zone == "" && !b.f.zoneBad {
		ps.add("time_zone", "the record has no value and default_time_zone is not set")
	}
	startTime, ok := b.startTime(ps)
	if user == "" || b.f.zone == "" || b.f.zoneBad || !ok {
		return nil
	}
	e := b.event(hrevent.Hire, "hire", b.f.start)
	e.Employee.User = user
	e.Employee.StartDate = b.f.start
	e.Employee.StartTime = startTime
	e.Employee.PersonalEmail = plainAddress(b.r[b.m.PersonalEmail])
	e.Employee.MobilePhone = e164(b.r[b.m.MobilePhone])
	return []hrevent.Event{e}
}

// startTime reads the mapped start time (HH:MM, or 3:04 PM) or the default; false (and a problem recorded)
// when the record's value is not a time.
func (b builder) startTime(ps *RecordError) (string, bool) {
	v := strings.TrimSpace(b.r[b.m.StartTime])
	if b.m.StartTime == "" || v == "" {
		return b.m.DefaultStartTime, true
	}
	for _, layout := range []string{"15:04", "3:04 PM", "3:04PM", "15:04:05"} {
		if t, err := time.Parse(layout, strings.ToUpper(v)); err == nil {
			return t.Format("15:04"), true
		}
	}
	ps.add("start_time", "the record's value is not a time such as 08:30")
	return "", false
}

// changed reports whether the notice's changed fields name the mapped field (false when it is unmapped or the
// notice does not say what changed).
func (b builder) changed(field string) bool {
	for _, c := range b.n.ChangedFields {
		if sameField(c, field) {
			return true
		}
	}
	return false
}

// jobChange builds a job_change when an updated notice says the department or job title changed, for someone
// who has started: before the first day, a new department is part of the hire, not a move.
func (b builder) jobChange() []hrevent.Event {
	if b.n.Kind != KindUpdated || (b.f.start != "" && b.f.start >= b.today()) {
		return nil
	}
	ch := hrevent.Changes{}
	if b.changed(b.m.Department) {
		ch.Department = strings.TrimSpace(b.r[b.m.Department])
	}
	if b.changed(b.m.JobTitle) {
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
// employment, else by status or a terminated notice (now). With an unreadable start date, a leave date counts
// (whether it is a previous employment's is unknown, and a missed leave is the worse mistake). A termination
// without a leave date is keyed by the record's start date too, so that a rehire's next leave is not taken for
// the previous one's duplicate.
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
	if b.f.start != "" {
		value += "\x00start=" + b.f.start
	}
	e := b.event(hrevent.Termination, "termination", value)
	e.Employee.LeaveAt = b.now.UTC().Format(time.RFC3339)
	return []hrevent.Event{e}
}

// cancellation builds a termination_cancelled when an updated notice says the leave date or the status changed
// and the record now has neither a leave date nor a terminated status: HR withdrew the leave. Its id is by the
// set of changed fields and the notice's time to the second (the delivery id when the vendor gave no time), so
// that re-deliveries of one change give one id and a later withdrawal another. A notice that does not say what
// changed gives none.
func (b builder) cancellation() []hrevent.Event {
	if b.n.Kind != KindUpdated || b.f.leave != "" || b.f.leaveBad || b.f.statusLeft {
		return nil
	}
	if !b.changed(b.m.LeaveDate) && !b.changed(b.m.Status) {
		return nil
	}
	fields := make([]string, 0, len(b.n.ChangedFields))
	for _, c := range b.n.ChangedFields {
		fields = append(fields, strings.ToLower(strings.TrimPrefix(c, "root.")))
	}
	slices.Sort(fields)
	when := "delivery=" + b.n.DeliveryID
	if !b.n.OccurredAt.IsZero() {
		when = b.n.OccurredAt.UTC().Format(time.RFC3339)
	}
	value := strings.Join(slices.Compact(fields), ",") + "\x00" + when
	return []hrevent.Event{b.event(hrevent.TerminationCancelled, "leave-cleared", value)}
}

// finish keeps the events that pass hrevent.Validate; one that does not is dropped and recorded as a problem
// naming the event's fields, never their values. It returns the events and ps when ps holds a problem.
func (b builder) finish(evs []hrevent.Event, ps *RecordError) ([]hrevent.Event, error) {
	out := evs[:0]
	for _, e := range evs {
		if verr := hrevent.Validate(e); verr != nil {
			ps.add("", fmt.Sprintf("the %s event built from a %s notice is invalid: %v", e.Type, b.m.Vendor, verr))
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		out = nil
	}
	return out, ps.orNil()
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
