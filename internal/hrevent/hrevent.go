// Package hrevent is the HR lifecycle event (docs/events.md): its shape, its validation (every field
// problem at once, each naming the field and what is accepted) and the calendar arithmetic that turns a local
// start date into an instant. The webhook, the batch and the CLI all produce these; workflows consume them.
package hrevent

import (
	"time"
	_ "time/tzdata" // the same zone rules on every worker, whatever the host has installed
)

// Type is what an event asks for.
type Type string

// The event types.
const (
	Hire                 Type = "hire"
	StartDateChange      Type = "start_date_change"
	Rescind              Type = "rescind"
	Termination          Type = "termination"
	TerminationCancelled Type = "termination_cancelled"
	JobChange            Type = "job_change"
	Recovery             Type = "recovery"
)

// Types lists every event type, in the spec's order.
func Types() []Type {
	return []Type{Hire, StartDateChange, Rescind, Termination, TerminationCancelled, JobChange, Recovery}
}

// Event is one HR lifecycle event.
type Event struct {
	ID          string    `json:"id"`
	Type        Type      `json:"type"`
	OccurredAt  time.Time `json:"occurred_at"`
	Employee    Employee  `json:"employee"`
	Changes     *Changes  `json:"changes,omitempty"`
	RequestedBy string    `json:"requested_by,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// Employee is the event's subject.
type Employee struct {
	EmployeeID string `json:"employee_id"`
	User       string `json:"user,omitempty"`       // userPrincipalName or object id
	TimeZone   string `json:"time_zone,omitempty"`  // IANA zone
	StartDate  string `json:"start_date,omitempty"` // YYYY-MM-DD, local
	StartTime  string `json:"start_time,omitempty"` // HH:MM, local; default from configuration
	LeaveAt    string `json:"leave_at,omitempty"`   // RFC 3339, or YYYY-MM-DD (end of that local day)
	// PersonalEmail and MobilePhone (E.164) are the hire's own, for the pickup link's second channel. Personal
	// data: they travel only in (encrypted) payloads, never in ids, search attributes, logs or metrics.
	PersonalEmail string `json:"personal_email,omitempty"`
	MobilePhone   string `json:"mobile_phone,omitempty"`
}

// Changes is what a job_change changes.
type Changes struct {
	Department string `json:"department,omitempty"`
	JobTitle   string `json:"job_title,omitempty"`
	Privileged *bool  `json:"privileged,omitempty"`
	Reregister bool   `json:"reregister,omitempty"`
}

// Result is how an employee's workflow answered an event.
type Result struct {
	Status     string `json:"status"` // accepted, duplicate, stale or refused
	EventID    string `json:"event_id"`
	WorkflowID string `json:"workflow_id"`
	Reason     string `json:"reason,omitempty"` // why, for a refusal
}

// Result statuses.
const (
	StatusAccepted  = "accepted"  // applied, or queued to be
	StatusDuplicate = "duplicate" // this id was applied before: nothing happens
	StatusStale     = "stale"     // older than the last applied event of its type: recorded, ignored
	StatusRefused   = "refused"   // not allowed now (a recovery over the daily limit, for someone who left)
)

// DefaultStartTime is the local start time when an event gives none.
const DefaultStartTime = "08:00"

// FirstMorning is the instant the employee's first day starts: start date and time in their zone, DST-correct.
// A local time that does not exist (skipped by a DST change) moves forward by the gap, as the clocks do.
func FirstMorning(startDate, startTime, zone string) (time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, err
	}
	if startTime == "" {
		startTime = DefaultStartTime
	}
	wall, err := time.Parse("2006-01-02 15:04", startDate+" "+startTime) // the wall clock, read as UTC
	if err != nil {
		return time.Time{}, err
	}
	// Try the zone's offset from before and from after any change that day. The earlier candidate that shows
	// the asked wall clock wins (a repeated autumn hour: its first occurrence); if none does, the time fell in a
	// spring gap and the offset from before moves it forward by the gap.
	_, before := wall.Add(-12 * time.Hour).In(loc).Zone()
	_, after := wall.Add(12 * time.Hour).In(loc).Zone()
	first := wall.Add(-time.Duration(before) * time.Second)
	second := wall.Add(-time.Duration(after) * time.Second)
	if second.Before(first) {
		first, second = second, first
	}
	for _, c := range []time.Time{first, second} {
		if l := c.In(loc); l.Hour() == wall.Hour() && l.Minute() == wall.Minute() && l.Day() == wall.Day() {
			return l, nil
		}
	}
	return wall.Add(-time.Duration(before) * time.Second).In(loc), nil
}

// LeaveInstant reads leave_at: an RFC 3339 instant, or a date meaning the end of that local day in zone.
func LeaveInstant(leaveAt, zone string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, leaveAt); err == nil {
		return t, nil
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, err
	}
	day, err := time.ParseInLocation("2006-01-02", leaveAt, loc)
	if err != nil {
		return time.Time{}, err
	}
	return day.AddDate(0, 0, 1).Add(-time.Second), nil
}
