package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/metrics"
)

// SourceMetrics counts what the HR sources hand to the intake (metrics.Metrics is the real one).
type SourceMetrics interface {
	SourceEvent(source, outcome string, at time.Time)
	SourceSkipped(source, reason string)
}

// DirectorySync is the directory source's read: one round of Graph's users delta query, each change in scope
// turned into HR events by the rules and handed to the intake, the same door as every other source.
type DirectorySync struct {
	Directory graph.DirectoryReader
	Groups    graph.GroupReader // membership of the scope and privileged groups; nil: not followed
	Graph     graph.Client      // group memberships, for a group scope
	Submit    batch.Submitter
	Rules     dirsync.Rules
	Audit     audit.Recorder
	Metrics   SourceMetrics // nil: nothing is counted
	// Known says tapflow already has a workflow for the employee: a leaver outside the scope is still carried
	// out for them (offboarding often removes the groups first). nil: never.
	Known func(ctx context.Context, employeeID string) (bool, error)
}

// DirectorySyncRequest is where the round starts: the deltaLink of the round before, "" for a baseline round,
// and the last good round, from which a baseline that replaces a forgotten link still acts on leave dates.
type DirectorySyncRequest struct {
	DeltaLink   string    `json:"delta_link,omitempty"`
	GroupsLink  string    `json:"groups_link,omitempty"` // the groups delta's cursor, "" for its first round
	LastSuccess time.Time `json:"last_success,omitzero"`
}

// DirectorySyncResult is what a round did. Its counts hold no personal data.
type DirectorySyncResult struct {
	DeltaLink  string         `json:"delta_link"`
	GroupsLink string         `json:"groups_link,omitempty"`
	Baseline   bool           `json:"baseline,omitempty"`
	Restarted  bool           `json:"restarted,omitempty"` // Graph no longer knew the link: a baseline round instead
	Users      int            `json:"users"`               // users the round reported
	Leavers    int            `json:"leavers,omitempty"`   // terminations handed in
	Outcomes   map[string]int `json:"outcomes,omitempty"`  // events by the intake's answer (accepted, duplicate, ...)
	Skipped    map[string]int `json:"skipped,omitempty"`   // users without events, by reason
}

// SyncDirectory reads one round of the users delta query from req.DeltaLink and hands its changes to the
// intake. Failing part way is safe: the workflow tries the same link again, and events already in answer
// duplicate.
func (d *DirectorySync) SyncDirectory(ctx context.Context, req DirectorySyncRequest) (DirectorySyncResult, error) {
	res := DirectorySyncResult{Baseline: req.DeltaLink == "", Outcomes: map[string]int{}, Skipped: map[string]int{}}
	link, err := d.round(ctx, req.DeltaLink, time.Time{}, &res)
	if err != nil && req.DeltaLink != "" && graph.IsDeltaExpired(err) {
		logger(ctx).Warn("Graph no longer knows the directory source's delta link: reading the directory afresh")
		res = DirectorySyncResult{Baseline: true, Restarted: true, Outcomes: map[string]int{}, Skipped: map[string]int{}}
		link, err = d.round(ctx, "", req.LastSuccess, &res)
	}
	if err != nil {
		return res, roundFailure("directory source", err)
	}
	res.DeltaLink = link
	if res.GroupsLink, err = d.groupsRound(ctx, req.GroupsLink, &res); err != nil {
		return res, roundFailure("directory source, group membership", err)
	}
	return res, nil
}

// roundFailure is a failed round's error for Temporal: a hold keeps its own (non-retryable) type, which must be
// the top-level error for Temporal to see it; a Graph failure becomes its typed error.
func roundFailure(what string, err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app
	}
	return graphFailure(fmt.Errorf("%s: %w", what, err))
}

// roundProgress is a round's heartbeat: the page to resume from when the attempt is cut short (a crash, a
// timeout), so a round over a tenant-wide change gets through in several attempts.
type roundProgress struct {
	Start    string `json:"start"`     // the link the round began from ("" for a baseline)
	NextLink string `json:"next_link"` // the next page to read
	Users    int    `json:"users"`
}

// round reads every page of one round, handling each user as it comes, from where an earlier attempt of the
// same round stopped.
func (d *DirectorySync) round(ctx context.Context, link string, armSince time.Time, res *DirectorySyncResult) (string, error) {
	key, from := dirsync.RoundKey(link), link
	var p roundProgress
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &p) == nil &&
		p.Start == link && p.NextLink != "" {
		from = p.NextLink // this round's own page: its ids are keyed on the round's start, as before
	}
	beat := func(next string) {
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, roundProgress{Start: link, NextLink: next, Users: res.Users})
		}
	}
	return d.Directory.UsersDelta(ctx, from, d.Rules.Select(), link != "", func(u graph.DirectoryUser) error {
		res.Users++
		if res.Users%100 == 0 {
			beat(from)
		}
		return d.user(ctx, dirsync.Change{User: u, Round: key, ArmSince: armSince}, link == "", res)
	}, func(next string) { from = next; beat(next) })
}

// user turns one reported user into events and hands them in. A user the rules do not act on is counted; it
// is audited only when its change would have given events, so a round that reads the whole directory does not
// write a line per employee.
func (d *DirectorySync) user(ctx context.Context, c dirsync.Change, baseline bool, res *DirectorySyncResult) error {
	if !baseline && c.User.Removed == "" {
		if err := d.readChanged(ctx, &c); err != nil {
			return err
		}
	}
	events, why := d.Rules.Events(c, time.Now())
	if elig := d.Rules.Eligible(c.User); elig != "" {
		d.skip(ctx, c.User, elig, len(events) > 0, res)
		return nil
	}
	if why != "" {
		d.skip(ctx, c.User, why, why == dirsync.SkipBadTimeZone, res)
		return nil
	}
	why, err := d.inScope(ctx, c.User)
	if err != nil {
		return err
	}
	if why != "" && dirsync.Leaving(events) {
		if known, err := d.known(ctx, c.User.String("employeeId")); err != nil || known {
			why = "" // a leaver tapflow knows is carried out wherever the groups now put them
		}
	}
	if why != "" {
		d.skip(ctx, c.User, why, true, res)
		return nil
	}
	for _, e := range events {
		if err := d.submit(ctx, e, res); err != nil {
			return err
		}
	}
	return nil
}

// readChanged notes which properties changed (with return=minimal, those the entry carries) and reads the user
// in full.
func (d *DirectorySync) readChanged(ctx context.Context, c *dirsync.Change) error {
	c.Changed = map[string]bool{}
	for p := range c.User.Props {
		c.Changed[p] = true
	}
	full, err := d.Directory.GetDirectoryUser(ctx, c.User.ID, d.Rules.Select())
	var ge *graph.Error
	switch {
	case errors.As(err, &ge) && ge.Kind == graph.KindNotFound:
		c.User.Removed = dirsync.SkipRemoved // deleted since the round was written
	case err != nil:
		return err
	default:
		c.User = full
	}
	return nil
}

// known asks whether tapflow has a workflow for the employee; an error counts as known (refusing a leaver is
// the worse mistake; the event itself is still checked by the intake).
func (d *DirectorySync) known(ctx context.Context, employeeID string) (bool, error) {
	if d.Known == nil {
		return false, nil
	}
	return d.Known(ctx, employeeID)
}

// inScope checks the scope: "" when the user holds one of the attribute's values and is a member of one of the
// groups (each when configured), dirsync.SkipOutOfScope otherwise.
func (d *DirectorySync) inScope(ctx context.Context, u graph.DirectoryUser) (string, error) {
	if !d.Rules.AttributeInScope(u) {
		return dirsync.SkipOutOfScope, nil
	}
	if len(d.Rules.ScopeGroups) == 0 {
		return "", nil
	}
	m, err := d.Graph.ListMemberships(ctx, u.ID)
	if err != nil {
		return "", fmt.Errorf("read the group memberships of a user in the round: %w", err)
	}
	for _, g := range m.Groups {
		if slices.ContainsFunc(d.Rules.ScopeGroups, func(s string) bool { return strings.EqualFold(s, g.ID) }) {
			return "", nil
		}
	}
	return dirsync.SkipOutOfScope, nil
}

// submit hands one event to the intake and counts its outcome. Temporal not taking it fails the round.
func (d *DirectorySync) submit(ctx context.Context, e hrevent.Event, res *DirectorySyncResult) error {
	if e.Type == hrevent.Termination {
		if limit := d.Rules.MaxLeaversPerRound; limit > 0 && res.Leavers >= limit {
			return d.holdLeavers(ctx, limit)
		}
		res.Leavers++
	}
	outcome, err := submitFromSource(ctx, metrics.SourceDirectory, d.Submit, e, d.Audit, d.Metrics)
	if err != nil {
		return err
	}
	res.Outcomes[outcome]++
	return nil
}

// ErrTooManyLeavers is the error type of a round held by the leaver breaker.
const ErrTooManyLeavers = "DirectoryTooManyLeavers"

// holdLeavers stops a round that would carry out more leavers than the breaker allows: a bulk disable, or leave
// dates written tenant-wide, is held until someone raises TAPFLOW_DIRECTORY_MAX_LEAVERS. The round keeps its
// link, so it is read again at each interval; the leavers already in answer duplicate.
func (d *DirectorySync) holdLeavers(ctx context.Context, limit int) error {
	logger(ctx).Warn("the directory source holds a round with more leavers than TAPFLOW_DIRECTORY_MAX_LEAVERS allows", "limit", limit)
	d.record(ctx, audit.Entry{Action: "source.held", Reason: "directory: " + dirsync.SkipTooManyLeavers})
	if d.Metrics != nil {
		d.Metrics.SourceSkipped(metrics.SourceDirectory, dirsync.SkipTooManyLeavers)
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("more than %d leavers in one round: held until "+
		"TAPFLOW_DIRECTORY_MAX_LEAVERS is raised (docs/hr-sources.md)", limit), ErrTooManyLeavers, nil)
}

// skip counts a user the round does not act on, and audits it when audited is set.
func (d *DirectorySync) skip(ctx context.Context, u graph.DirectoryUser, why string, audited bool, res *DirectorySyncResult) {
	res.Skipped[why]++
	if d.Metrics != nil {
		d.Metrics.SourceSkipped(metrics.SourceDirectory, why)
	}
	if audited {
		d.record(ctx, audit.Entry{Action: "source.skipped", EmployeeID: u.String("employeeId"), UserID: strings.ToLower(u.ID),
			Reason: "directory: " + why})
	}
}

func (d *DirectorySync) record(ctx context.Context, e audit.Entry) {
	if d.Audit != nil {
		d.Audit.Record(ctx, e)
	}
}

// logger is the activity's logger, or a silent one outside an activity (a test calling it directly).
func logger(ctx context.Context) log.Logger {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	return log.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
