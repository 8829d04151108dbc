package hrevent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func hire() Event {
	return Event{ID: "evt-1", Type: Hire, OccurredAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC),
		Employee: Employee{EmployeeID: "E1001", User: "ada@contoso.example", TimeZone: "Europe/London", StartDate: "2026-12-01"}}
}

func TestValidHire(t *testing.T) {
	require.NoError(t, Validate(hire()))
}

func TestEveryProblemIsNamed(t *testing.T) {
	e := Event{ID: "bad id!", Type: "fire", Employee: Employee{EmployeeID: "", TimeZone: "Mars/Olympus", StartDate: "1/12/2026", StartTime: "25:00"}}
	err := Validate(e)
	var ps Problems
	require.True(t, errors.As(err, &ps))
	fields := map[string]string{}
	for _, p := range ps {
		fields[p.Field] = p.Problem
	}
	require.Contains(t, fields["type"], "hire, start_date_change, rescind")
	require.Contains(t, fields, "id")
	require.Contains(t, fields, "occurred_at")
	require.Contains(t, fields, "employee.employee_id")
	require.Contains(t, fields["employee.time_zone"], "unknown IANA zone")
	require.Contains(t, fields["employee.start_date"], "YYYY-MM-DD")
	require.Contains(t, fields["employee.start_time"], "HH:MM")
}

func TestHireNeedsUserZoneAndDate(t *testing.T) {
	e := hire()
	e.Employee.User, e.Employee.TimeZone, e.Employee.StartDate = "", "", ""
	err := Validate(e)
	require.ErrorContains(t, err, "employee.user: required for a hire event")
	require.ErrorContains(t, err, "employee.time_zone: required")
	require.ErrorContains(t, err, "employee.start_date: required")
}

func TestFirstMorningIsDSTCorrect(t *testing.T) {
	// London is on GMT in December and on BST in July.
	winter, err := FirstMorning("2026-12-01", "08:30", "Europe/London")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC), winter.UTC())
	summer, err := FirstMorning("2026-07-01", "", "Europe/London")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC), summer.UTC(), "default 08:00 BST")
	// The morning the clocks go forward in New York (2027-03-14): 08:00 EDT is 12:00 UTC, not 13:00.
	dst, err := FirstMorning("2027-03-14", "08:00", "America/New_York")
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC), dst.UTC())
	// A time inside the skipped hour still gives an instant.
	gap, err := FirstMorning("2027-03-14", "02:30", "America/New_York")
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 3, 14, 7, 30, 0, 0, time.UTC), gap.UTC(), "03:30 EDT")
	// The repeated hour in autumn (2027-11-07 01:30 New York) is its first occurrence, EDT.
	rep, err := FirstMorning("2027-11-07", "01:30", "America/New_York")
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 11, 7, 5, 30, 0, 0, time.UTC), rep.UTC())
	_, err = FirstMorning("2027-02-30", "", "UTC")
	require.Error(t, err)
}

func TestLeaveInstant(t *testing.T) {
	at, err := LeaveInstant("2026-12-31T17:00:00Z", "")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), at)
	end, err := LeaveInstant("2026-12-31", "America/New_York")
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 1, 1, 4, 59, 59, 0, time.UTC), end.UTC())
}

// Free text is capped, and no problem repeats what was sent: an error names the field and what is accepted.
func TestFreeTextIsCappedAndProblemsDoNotEchoTheInput(t *testing.T) {
	e := hire()
	e.Type, e.RequestedBy, e.Reason = Recovery, strings.Repeat("r", 257), strings.Repeat("x", 1025)
	e.Employee.User = strings.Repeat("u", 257) + "@contoso.example"
	e.Employee.TimeZone, e.Employee.StartDate, e.Employee.StartTime = "Secret/Zone-sk-123", "secret-date", "secret"
	e.Changes = &Changes{Department: strings.Repeat("d", 257), JobTitle: "ok"}
	err := Validate(e)
	var ps Problems
	require.True(t, errors.As(err, &ps))
	fields := map[string]string{}
	for _, p := range ps {
		fields[p.Field] = p.Problem
	}
	require.Equal(t, "at most 256 characters", fields["requested_by"])
	require.Equal(t, "at most 1024 characters", fields["reason"])
	require.Equal(t, "at most 256 characters", fields["employee.user"])
	require.Equal(t, "at most 256 characters", fields["changes.department"])
	require.NotContains(t, fields, "changes.job_title")
	for _, secret := range []string{"Secret/Zone", "sk-123", "secret-date", "secret", "rrrr", "xxxx"} {
		require.NotContains(t, err.Error(), secret)
	}
	require.NoError(t, Validate(hire()), "a plain hire is still valid")
}

// An event dated more than five minutes ahead is refused on arrival, naming the field: one such termination
// would make every real one stale.
func TestAnEventFromTheFutureIsRefusedOnArrival(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	e := hire()
	e.OccurredAt = now.Add(4 * time.Minute)
	require.NoError(t, CheckReceived(e, now), "a clock a little ahead")
	e.OccurredAt = now.Add(6 * time.Minute)
	err := CheckReceived(e, now)
	var ps Problems
	require.True(t, errors.As(err, &ps))
	require.Equal(t, "occurred_at", ps[0].Field)
	require.Contains(t, ps[0].Problem, "more than 5 minutes in the future")
}

// The hire's own contact details, for the pickup link's second channel: optional, checked, and a problem names
// the field, never the value (personal data).
func TestTheHiresOwnContactDetailsAreChecked(t *testing.T) {
	e := hire()
	e.Employee.PersonalEmail, e.Employee.MobilePhone = "ada@example.com", "+447700900123"
	require.NoError(t, Validate(e))
	for _, bad := range []struct{ mail, phone string }{
		{"Ada <ada@example.com>", "07700 900123"},
		{"ada@example.com, eve@example.com", "+0447700900123"},
		{"ada@@example.com", "+44 7700 900123"},
		{"not-an-address", "+4477009001234567"},
	} {
		e.Employee.PersonalEmail, e.Employee.MobilePhone = bad.mail, bad.phone
		err := Validate(e)
		var ps Problems
		require.True(t, errors.As(err, &ps), bad.mail)
		fields := map[string]bool{}
		for _, p := range ps {
			fields[p.Field] = true
		}
		require.True(t, fields["employee.personal_email"], bad.mail)
		require.True(t, fields["employee.mobile_phone"], bad.phone)
		require.NotContains(t, err.Error(), bad.mail)
		require.NotContains(t, err.Error(), bad.phone)
	}
}
