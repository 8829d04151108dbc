package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/workflows"
)

// DirectoryConfig is the directory source's configuration.
type DirectoryConfig struct {
	Settings       activities.DirectorySyncSettings
	ScopeAttribute string // "attribute=value,value", read into Settings.Rules
}

// bindDirectory binds the directory source's settings (docs/hr-sources.md).
func bindDirectory(s *cliconf.Set, c *DirectoryConfig) {
	d := activities.DefaultDirectorySyncSettings()
	r := &c.Settings.Rules
	s.Bool(&c.Settings.On, "directory-sync", d.On, "read Entra's users delta query once an interval and turn hires, leave dates, "+
		"disabled accounts and job changes of the users in scope into HR events (needs User.Read.All)")
	s.Duration(&c.Settings.Interval, "directory-sync-interval", d.Interval, "how often the directory source reads the users delta query")
	s.Names(&r.ScopeGroups, "directory-scope-groups", checkGroupID, "the directory source acts only on members of these groups (object ids)")
	s.String(&c.ScopeAttribute, "directory-scope-attribute", "", "the directory source acts only on users whose attribute "+
		"holds one of the values: attribute=value,value (department or jobTitle)")
	s.String(&r.TimeZoneAttribute, "directory-time-zone-attribute", "", "the onPremisesExtensionAttributes slot holding "+
		"a user's IANA time zone (extensionAttribute1..15); empty: --directory-default-time-zone")
	s.String(&r.DefaultTimeZone, "directory-default-time-zone", d.Rules.DefaultTimeZone, "the time zone of a hire whose attribute holds none")
	s.String(&r.StartTime, "directory-start-time", "", "the local time of a hire's first morning, HH:MM (default 08:00)")
	s.Enum(&r.HireDateAs, "directory-hire-date", d.Rules.HireDateAs, []string{dirsync.HireDateAsWritten, dirsync.HireDateLocal},
		"how employeeHireDate gives the start date: date, its calendar date as Graph gives it (UTC); local, the date in the user's zone")
	s.List(&r.JobChangeOn, "directory-job-change-on", d.Rules.JobChangeOn, dirsync.JobAttributes(), "the attributes whose change is a job change")
	s.Int(&r.MaxLeaversPerRound, "directory-max-leavers", d.Rules.MaxLeaversPerRound, 0, "terminations one round may carry "+
		"out; a round with more is held until this is raised (a bulk disable, a tenant-wide leave date); 0 = no breaker")
	s.List(&r.ReregisterOn, "directory-reregister-on", nil, dirsync.JobAttributes(),
		"the attributes whose change also asks for a new registration (a re-registration journey)")
}

// directorySettings completes and checks the directory source's settings.
func (s *Stack) directorySettings(c *DirectoryConfig) error {
	if c.ScopeAttribute != "" {
		c.Settings.Rules.ParseScopeAttribute(c.ScopeAttribute)
	}
	if !c.Settings.On {
		return nil
	}
	if c.Settings.Interval < 10*time.Second || c.Settings.Interval > time.Hour {
		return fmt.Errorf("TAPFLOW_DIRECTORY_SYNC_INTERVAL=%s: between 10s and 1h", c.Settings.Interval)
	}
	if err := c.Settings.Rules.Check(); err != nil {
		return fmt.Errorf("the directory source (TAPFLOW_DIRECTORY_SYNC=true): %w", err)
	}
	return nil
}

// directoryDeps adds the directory source's parts to the activities' dependencies.
func (s *Stack) directoryDeps(d *activities.Deps) error {
	c := &s.cfg.Directory
	c.Settings.Rules.PrivilegedGroups = d.Joiner.PrivilegedGroups
	if err := s.directorySettings(c); err != nil {
		return err
	}
	d.Directory, d.Sources = c.Settings, s.metrics
	if r, ok := s.graph.(graph.DirectoryReader); ok && c.Settings.On {
		d.DirectoryReader, d.KnownEmployee = r, s.knownEmployee
	}
	return nil
}

// knownEmployee says the employee has a workflow (running or kept after it closed).
func (s *Stack) knownEmployee(ctx context.Context, employeeID string) (bool, error) {
	_, err := s.client.DescribeWorkflowExecution(ctx, workflows.EmployeeWorkflowID(employeeID), "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up the employee's workflow: %w", err)
	}
	return true, nil
}

// startDirectory starts the namespace's directory source, or finds it running, and keeps it running.
func (s *Stack) startDirectory(ctx context.Context, on bool) error {
	if !on {
		return nil
	}
	return s.keepRunning(ctx, "the directory source", func(ctx context.Context) error {
		_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: dirsync.WorkflowID, TaskQueue: workflows.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.DirectorySync, workflows.DirectoryState{})
		if err != nil {
			return fmt.Errorf("start the directory source: %w", err)
		}
		return nil
	})
}
