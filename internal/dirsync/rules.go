// Package dirsync holds the directory source's rules: which Entra users it acts on (its scope) and which
// changes to them, as the users delta query reports them, become which HR events. It reads no Graph itself;
// activities.DirectorySync feeds it users and hands its events to the intake.
package dirsync

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WorkflowID is the namespace's one DirectorySync workflow.
const WorkflowID = "tapflow-directory-sync"

// QueryStatus is the DirectorySync workflow's status query.
const QueryStatus = "status"

// How employeeHireDate is read as a start date.
const (
	// HireDateAsWritten takes the calendar date of the value as Graph gives it (UTC): inbound provisioning
	// writes midnight UTC of the HR start date.
	HireDateAsWritten = "date"
	// HireDateLocal converts the instant into the user's time zone and takes that date.
	HireDateLocal = "local"
)

// The properties a job change can be ruled on.
const (
	AttrDepartment = "department"
	AttrJobTitle   = "jobTitle"
)

// Rules say which users the directory source acts on and what their changes mean.
type Rules struct {
	// ScopeGroups are group object ids: a user acts only while a member of one, directly or through groups.
	ScopeGroups []string `json:"scope_groups,omitempty"`
	// ScopeAttribute and ScopeValues: a user acts only when the property (department, jobTitle, companyName is
	// not read: only the properties below) holds one of the values, compared without case.
	ScopeAttribute string   `json:"scope_attribute,omitempty"`
	ScopeValues    []string `json:"scope_values,omitempty"`
	// TimeZoneAttribute is the onPremisesExtensionAttributes slot (extensionAttribute1..15) holding the user's
	// IANA zone; "" or an empty slot: DefaultTimeZone.
	TimeZoneAttribute string `json:"time_zone_attribute,omitempty"`
	DefaultTimeZone   string `json:"default_time_zone"`
	HireDateAs        string `json:"hire_date_as"` // HireDateAsWritten or HireDateLocal
	// StartTime is the local time of the first morning (HH:MM); "": the contract's default, 08:00.
	StartTime string `json:"start_time,omitempty"`
	// JobChangeOn are the properties whose change is a job change; ReregisterOn those whose change also asks
	// for a new registration (a re-registration journey).
	JobChangeOn  []string `json:"job_change_on,omitempty"`
	ReregisterOn []string `json:"reregister_on,omitempty"`
	// PrivilegedGroups are the groups whose members tapflow holds as privileged (--privileged-groups): a user
	// added to one is a job change that makes them privileged.
	PrivilegedGroups []string `json:"privileged_groups,omitempty"`
	// MaxLeaversPerRound holds a round with more terminations than this (0: no breaker): a bulk disable or a
	// tenant-wide leave date waits for a person to raise it.
	MaxLeaversPerRound int `json:"max_leavers_per_round,omitempty"`
}

// WatchedGroups are the groups whose membership the source follows: the scope groups (a user who joins one
// is read as new) and the privileged groups.
func (r Rules) WatchedGroups() []string {
	var out []string
	for _, g := range append(slices.Clone(r.ScopeGroups), r.PrivilegedGroups...) {
		if g = strings.ToLower(g); !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// maxWatchedGroups is how many groups one groups delta query can follow.
const maxWatchedGroups = 50

// DefaultRules are the rules before configuration: no scope (which Check refuses), UTC, dates as written,
// a department or job title change recorded as a job change.
func DefaultRules() Rules {
	return Rules{DefaultTimeZone: "UTC", HireDateAs: HireDateAsWritten, JobChangeOn: []string{AttrDepartment, AttrJobTitle},
		MaxLeaversPerRound: 50}
}

// JobAttributes are the properties a job change can be ruled on.
func JobAttributes() []string { return []string{AttrDepartment, AttrJobTitle} }

// Check says what is wrong with the rules, each problem naming its setting and the fix.
func (r Rules) Check() error {
	var errs []error
	if len(r.ScopeGroups) == 0 && r.ScopeAttribute == "" {
		errs = append(errs, errors.New("TAPFLOW_DIRECTORY_SCOPE_GROUPS or TAPFLOW_DIRECTORY_SCOPE_ATTRIBUTE: the directory source "+
			"needs a scope, so that it never acts on service or admin accounts; give the object id of the group of "+
			"people HR manages, or an attribute and its values (department=Sales,Support)"))
	}
	if r.ScopeAttribute != "" && (!slices.Contains(JobAttributes(), r.ScopeAttribute) || len(r.ScopeValues) == 0) {
		errs = append(errs, fmt.Errorf("TAPFLOW_DIRECTORY_SCOPE_ATTRIBUTE: write attribute=value[,value...] with the attribute one of %s",
			strings.Join(JobAttributes(), ", ")))
	}
	if _, err := time.LoadLocation(r.DefaultTimeZone); err != nil || r.DefaultTimeZone == "" || r.DefaultTimeZone == "Local" {
		errs = append(errs, errors.New("TAPFLOW_DIRECTORY_DEFAULT_TIME_ZONE: not an IANA zone; give one such as Europe/London"))
	}
	if r.TimeZoneAttribute != "" && extensionSlot(r.TimeZoneAttribute) == 0 {
		errs = append(errs, errors.New("TAPFLOW_DIRECTORY_TIME_ZONE_ATTRIBUTE: give an onPremisesExtensionAttributes slot, "+
			"extensionAttribute1 to extensionAttribute15"))
	}
	if r.StartTime != "" {
		if _, err := time.Parse("15:04", r.StartTime); err != nil || len(r.StartTime) != 5 {
			errs = append(errs, errors.New("TAPFLOW_DIRECTORY_START_TIME: a local time HH:MM such as 08:30"))
		}
	}
	if n := len(r.WatchedGroups()); n > maxWatchedGroups {
		errs = append(errs, fmt.Errorf("TAPFLOW_DIRECTORY_SCOPE_GROUPS and TAPFLOW_PRIVILEGED_GROUPS: %d groups, at most %d "+
			"(Graph's groups delta query filters on 50 ids); use a parent group", n, maxWatchedGroups))
	}
	if r.HireDateAs != HireDateAsWritten && r.HireDateAs != HireDateLocal {
		errs = append(errs, fmt.Errorf("TAPFLOW_DIRECTORY_HIRE_DATE: %s or %s", HireDateAsWritten, HireDateLocal))
	}
	for _, a := range append(slices.Clone(r.JobChangeOn), r.ReregisterOn...) {
		if !slices.Contains(JobAttributes(), a) {
			errs = append(errs, fmt.Errorf("TAPFLOW_DIRECTORY_JOB_CHANGE_ON and _REREGISTER_ON: the attributes are %s",
				strings.Join(JobAttributes(), ", ")))
			break
		}
	}
	return errors.Join(errs...)
}

// ParseScopeAttribute reads "attribute=value,value" into the rules.
func (r *Rules) ParseScopeAttribute(v string) {
	name, values, _ := strings.Cut(v, "=")
	r.ScopeAttribute = strings.TrimSpace(name)
	r.ScopeValues = nil
	for _, s := range strings.Split(values, ",") {
		if s = strings.TrimSpace(s); s != "" {
			r.ScopeValues = append(r.ScopeValues, s)
		}
	}
}

// Select is the users delta query's $select: every property the rules read.
func (r Rules) Select() []string {
	sel := []string{"employeeId", "employeeHireDate", "employeeLeaveDateTime", "accountEnabled", "department", "jobTitle",
		"userPrincipalName", "userType"}
	if r.TimeZoneAttribute != "" {
		sel = append(sel, "onPremisesExtensionAttributes")
	}
	return sel
}

// extensionSlot is n for "extensionAttribute<n>" (1..15), else 0.
func extensionSlot(name string) int {
	rest, ok := strings.CutPrefix(name, "extensionAttribute")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 1 || n > 15 {
		return 0
	}
	return n
}
