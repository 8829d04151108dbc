package dirsync

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrevent"
)

const oid = "11C4A5E1-7C2D-4F3A-9B8E-1D2C3B4A5E61"

// user is a directory user with the given properties (JSON values).
func user(props map[string]string) graph.DirectoryUser {
	u := graph.DirectoryUser{ID: oid, Props: map[string]json.RawMessage{}}
	for k, v := range props {
		u.Props[k] = json.RawMessage(v)
	}
	return u
}

func rules() Rules {
	r := DefaultRules()
	r.ScopeGroups = []string{"8e2f3a4b-5c6d-4e7f-9a01-b2c3d4e5f6a7"}
	return r
}

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func TestAHireDateBecomesAHireWithAnIdFromTheValue(t *testing.T) {
	u := user(map[string]string{"employeeId": `"E1001"`, "employeeHireDate": `"2026-12-08T00:00:00Z"`, "department": `"Research"`})
	events, skip := rules().Events(Change{User: u}, now)
	require.Empty(t, skip)
	require.Len(t, events, 1, "a baseline round: the hire only, no job change")
	e := events[0]
	assert.Equal(t, hrevent.Hire, e.Type)
	assert.Equal(t, "2026-12-08", e.Employee.StartDate)
	assert.Equal(t, strings.ToLower(oid), e.Employee.User)
	assert.Equal(t, "UTC", e.Employee.TimeZone)
	require.NoError(t, hrevent.Validate(e))
	again, _ := rules().Events(Change{User: u, Changed: map[string]bool{"employeeHireDate": true}}, now.Add(time.Hour))
	assert.Equal(t, e.ID, again[0].ID, "the same value gives the same id, read again or later")
	assert.NotContains(t, e.ID, "2026-12-08", "the value is hashed")
	moved := user(map[string]string{"employeeId": `"E1001"`, "employeeHireDate": `"2026-12-09T00:00:00Z"`})
	third, _ := rules().Events(Change{User: moved, Changed: map[string]bool{"employeeHireDate": true}}, now)
	assert.NotEqual(t, e.ID, third[0].ID, "a moved date is a new hire")
}

func TestTheBaselineArmsOnlyWhatLiesAhead(t *testing.T) {
	past := user(map[string]string{"employeeId": `"E0999"`, "employeeHireDate": `"2020-01-06T00:00:00Z"`,
		"employeeLeaveDateTime": `"2021-01-01T00:00:00Z"`, "accountEnabled": "false"})
	events, skip := rules().Events(Change{User: past}, now)
	assert.Empty(t, events)
	assert.Equal(t, SkipHireDatePast, skip)

	leaving := user(map[string]string{"employeeId": `"E0998"`, "employeeLeaveDateTime": `"2026-12-31T17:00:00Z"`})
	events, _ = rules().Events(Change{User: leaving}, now)
	require.Len(t, events, 1)
	assert.Equal(t, hrevent.Termination, events[0].Type)
	assert.Equal(t, "2026-12-31T17:00:00Z", events[0].Employee.LeaveAt)
}

func TestLaterRoundsActOnWhatChanged(t *testing.T) {
	r := rules()
	r.ReregisterOn = []string{AttrDepartment}
	u := user(map[string]string{"employeeId": `"E1001"`, "employeeHireDate": `"2020-01-06T00:00:00Z"`, "accountEnabled": "false",
		"employeeLeaveDateTime": "null", "department": `"Finance"`, "jobTitle": `"Analyst"`})
	events, _ := r.Events(Change{User: u, Round: "r1",
		Changed: map[string]bool{"accountEnabled": true, "employeeLeaveDateTime": true, "department": true}}, now)
	types := map[hrevent.Type]hrevent.Event{}
	for _, e := range events {
		types[e.Type] = e
		require.NoError(t, hrevent.Validate(e), e.Type)
	}
	assert.Contains(t, types, hrevent.Termination, "an account disabled")
	assert.Contains(t, types, hrevent.TerminationCancelled, "a leave date cleared")
	require.Contains(t, types, hrevent.JobChange)
	assert.Equal(t, "Finance", types[hrevent.JobChange].Changes.Department)
	assert.True(t, types[hrevent.JobChange].Changes.Reregister)
	again, _ := r.Events(Change{User: u, Round: "r2", Changed: map[string]bool{"accountEnabled": true}}, now)
	assert.NotEqual(t, types[hrevent.Termination].ID, again[0].ID, "a disable in another round is another event")
}

func TestWhoTheSourceNeverActsOn(t *testing.T) {
	r := rules()
	for name, c := range map[string]struct {
		props map[string]string
		want  string
	}{
		"service account": {map[string]string{"userPrincipalName": `"svc@contoso.example"`}, SkipNoEmployeeID},
		"bad employee id": {map[string]string{"employeeId": `"E 1/2"`}, SkipBadEmployeeID},
		"guest":           {map[string]string{"employeeId": `"E1005"`, "userType": `"Guest"`}, SkipGuest},
	} {
		assert.Equal(t, c.want, r.Eligible(user(c.props)), name)
	}
	removed := user(map[string]string{"employeeId": `"E1"`})
	removed.Removed = "deleted"
	assert.Equal(t, SkipRemoved, r.Eligible(removed))
	r.ScopeAttribute, r.ScopeValues = AttrDepartment, []string{"Sales"}
	assert.True(t, r.AttributeInScope(user(map[string]string{"department": `" sales "`})))
	assert.False(t, r.AttributeInScope(user(map[string]string{"department": `"Finance"`})))
}

func TestTheTimeZoneAttributeAndTheLocalHireDate(t *testing.T) {
	r := rules()
	r.TimeZoneAttribute, r.HireDateAs = "extensionAttribute3", HireDateLocal
	u := user(map[string]string{"employeeId": `"E1"`, "employeeHireDate": `"2026-12-08T05:00:00Z"`,
		"onPremisesExtensionAttributes": `{"extensionAttribute3":"America/Los_Angeles"}`})
	events, _ := r.Events(Change{User: u}, now)
	require.Len(t, events, 1)
	assert.Equal(t, "America/Los_Angeles", events[0].Employee.TimeZone)
	assert.Equal(t, "2026-12-07", events[0].Employee.StartDate, "05:00 UTC is the evening before in Los Angeles")
	bad := user(map[string]string{"employeeId": `"E1"`, "employeeHireDate": `"2026-12-08T05:00:00Z"`,
		"onPremisesExtensionAttributes": `{"extensionAttribute3":"Mars/Olympus"}`})
	_, skip := r.Events(Change{User: bad}, now)
	assert.Equal(t, SkipBadTimeZone, skip)
}

func TestRulesNameTheSettingToFix(t *testing.T) {
	err := DefaultRules().Check()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TAPFLOW_DIRECTORY_SCOPE_GROUPS")
	r := rules()
	r.DefaultTimeZone, r.TimeZoneAttribute, r.StartTime, r.JobChangeOn = "Nowhere/Land", "mail", "8am", []string{"manager"}
	err = r.Check()
	require.Error(t, err)
	for _, s := range []string{"DEFAULT_TIME_ZONE", "TIME_ZONE_ATTRIBUTE", "START_TIME", "JOB_CHANGE_ON"} {
		assert.Contains(t, err.Error(), s)
	}
	var p Rules
	p.ParseScopeAttribute("department= Sales, Support ,")
	assert.Equal(t, AttrDepartment, p.ScopeAttribute)
	assert.Equal(t, []string{"Sales", "Support"}, p.ScopeValues)
}

// A pre-hire account created disabled (as provisioning often does) is a hire, not a hire and a leaver; a
// disable before a future start is not a leaver either; every event names the account that changed.
func TestAPreHireAccountCreatedDisabledIsAHire(t *testing.T) {
	created := user(map[string]string{"employeeId": `"E2001"`, "employeeHireDate": `"2026-12-14T00:00:00Z"`, "accountEnabled": "false",
		"employeeLeaveDateTime": "null", "department": `"Sales"`, "jobTitle": "null", "userPrincipalName": `"new@contoso.example"`})
	all := map[string]bool{}
	for k := range created.Props {
		all[k] = true
	}
	events, _ := rules().Events(Change{User: created, Changed: all, Round: "r"}, now)
	require.Len(t, events, 1)
	assert.Equal(t, hrevent.Hire, events[0].Type)
	later, skip := rules().Events(Change{User: created, Changed: map[string]bool{"accountEnabled": true}, Round: "r2"}, now)
	assert.Empty(t, later, "disabled before a start next week")
	assert.Equal(t, SkipNothingToAct, skip)

	leaver := user(map[string]string{"employeeId": `"E0990"`, "accountEnabled": "false"})
	events, _ = rules().Events(Change{User: leaver, Changed: map[string]bool{"accountEnabled": true}, Round: "r"}, now)
	require.Len(t, events, 1)
	assert.Equal(t, strings.ToLower(oid), events[0].Employee.User, "the termination names the account that was disabled")
	assert.True(t, Leaving(events))
}

// A baseline that replaces a forgotten link still carries out the leave dates since the last good round.
func TestARestartedBaselineKeepsTheGapsLeavers(t *testing.T) {
	gone := user(map[string]string{"employeeId": `"E0997"`, "employeeLeaveDateTime": `"2026-12-05T17:00:00Z"`})
	events, _ := rules().Events(Change{User: gone}, now)
	assert.Empty(t, events, "a first baseline: a past leave date is history")
	events, _ = rules().Events(Change{User: gone, ArmSince: now.Add(-72 * time.Hour)}, now)
	require.Len(t, events, 1, "a restarted one: the leave fell in the gap")
	assert.Equal(t, hrevent.Termination, events[0].Type)
}

// Joining a privileged group is a job change that makes the user privileged; joining a scope group reads the
// user as new (a coming hire is armed, a past one is not).
func TestJoiningAWatchedGroup(t *testing.T) {
	r := rules()
	r.PrivilegedGroups = []string{"AAAAAAAA-0000-4000-8000-000000000001"}
	u := user(map[string]string{"employeeId": `"E1002"`, "department": `"IT"`, "employeeHireDate": `"2026-12-14T00:00:00Z"`})
	events, _ := r.MemberAdded(u, "aaaaaaaa-0000-4000-8000-000000000001", "g1", now)
	require.Len(t, events, 1)
	assert.Equal(t, hrevent.JobChange, events[0].Type)
	require.NotNil(t, events[0].Changes.Privileged)
	assert.True(t, *events[0].Changes.Privileged)
	require.NoError(t, hrevent.Validate(events[0]))

	events, _ = r.MemberAdded(u, r.ScopeGroups[0], "g1", now)
	require.Len(t, events, 1)
	assert.Equal(t, hrevent.Hire, events[0].Type)
	past := user(map[string]string{"employeeId": `"E0999"`, "employeeHireDate": `"2020-01-06T00:00:00Z"`})
	events, skip := r.MemberAdded(past, r.ScopeGroups[0], "g1", now)
	assert.Empty(t, events)
	assert.Equal(t, SkipHireDatePast, skip)
	_, skip = r.MemberAdded(u, "bbbbbbbb-0000-4000-8000-000000000002", "g1", now)
	assert.Equal(t, SkipNothingToAct, skip, "a group the source does not watch")
	assert.Len(t, r.WatchedGroups(), 2)
}
