package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/dirsync"
)

// directoryActs is the directory source's activities' type-safe name.
var directoryActs *activities.DirectorySync

// directoryRunRounds is how many rounds one run of the directory source reads before it continues as new.
const directoryRunRounds = 120

// DirectoryState is what the directory source carries from run to run: its cursor (Graph's deltaLink) and its
// status.
type DirectoryState struct {
	DeltaLink  string          `json:"delta_link,omitempty"`
	GroupsLink string          `json:"groups_link,omitempty"` // the groups delta's, for the scope and privileged groups
	Status     DirectoryStatus `json:"status"`
}

// DirectoryStatus is the directory source's status query's answer, for doctor and starter sources.
type DirectoryStatus struct {
	Healthy     bool           `json:"healthy"`
	Problem     string         `json:"problem,omitempty"`
	Interval    time.Duration  `json:"interval"`
	Rounds      int            `json:"rounds"`
	Baselines   int            `json:"baselines"` // rounds that read the whole directory (the first, or after Graph forgot the link)
	LastRound   time.Time      `json:"last_round,omitzero"`
	LastSuccess time.Time      `json:"last_success,omitzero"`
	LastEvent   time.Time      `json:"last_event,omitzero"` // the last round that handed an event to the intake
	Outcomes    map[string]int `json:"outcomes,omitempty"`
	Skipped     map[string]int `json:"skipped,omitempty"`
}

// DirectorySync is the namespace's one directory source (id dirsync.WorkflowID), started by the workers when
// TAPFLOW_DIRECTORY_SYNC is on: every interval it reads one round of Graph's users delta query from its
// deltaLink and hands the changes in scope to the intake as HR events. It continues as new after
// directoryRunRounds rounds and ends when the workers' settings turn it off.
func DirectorySync(ctx workflow.Context, state DirectoryState) error {
	d := &directorySync{state: state}
	if err := d.setup(ctx); err != nil {
		return err
	}
	return d.run(ctx)
}

type directorySync struct {
	state    DirectoryState
	settings activities.DirectorySyncSettings
}

// setup answers the status query and reads the settings.
func (d *directorySync) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, dirsync.QueryStatus, func() (DirectoryStatus, error) { return d.state.Status, nil }); err != nil {
		return err
	}
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteLocalActivity(local, settingsActs.DirectorySyncSettings).Get(ctx, &d.settings)
}

// run reads a round every interval and continues as new.
func (d *directorySync) run(ctx workflow.Context) error {
	if !d.settings.On {
		return nil
	}
	interval := max(d.settings.Interval, 10*time.Second)
	d.state.Status.Interval = interval
	for range directoryRunRounds {
		d.readRound(ctx)
		if err := workflow.Sleep(ctx, interval); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, DirectorySync, d.state)
}

// directoryOptions: a round may read many pages and hand in many events; it heartbeats the page it reads, and a
// retry resumes from that page, so a round over a tenant-wide change gets through in several attempts. A
// failed round is tried again from the same link at the next interval.
func directoryOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           GraphTaskQueue,
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumAttempts: 10,
			NonRetryableErrorTypes: activities.NonRetryableGraphErrors()},
	})
}

// readRound reads one round and records how it went.
func (d *directorySync) readRound(ctx workflow.Context) {
	var res activities.DirectorySyncResult
	err := workflow.ExecuteActivity(directoryOptions(ctx), directoryActs.SyncDirectory,
		activities.DirectorySyncRequest{DeltaLink: d.state.DeltaLink, GroupsLink: d.state.GroupsLink,
			LastSuccess: d.state.Status.LastSuccess}).Get(ctx, &res)
	st := &d.state.Status
	st.LastRound = workflow.Now(ctx)
	if err != nil {
		if st.Healthy || st.Problem == "" {
			workflow.GetLogger(ctx).Warn("the directory source could not read a round; it tries again at the next interval", "error", err)
		}
		st.Healthy, st.Problem = false, "the last round failed: "+failureType(err)
		return
	}
	d.state.DeltaLink, d.state.GroupsLink = res.DeltaLink, res.GroupsLink
	st.Healthy, st.Problem, st.LastSuccess = true, "", st.LastRound
	st.Rounds++
	if res.Baseline {
		st.Baselines++
	}
	st.Outcomes = addCounts(st.Outcomes, res.Outcomes)
	st.Skipped = addCounts(st.Skipped, res.Skipped)
	if len(res.Outcomes) > 0 {
		st.LastEvent = st.LastRound
	}
}

// failureType is an activity failure's error type, for the status ("error" when it has none).
func failureType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() != "" {
		return app.Type()
	}
	return "error"
}

// addCounts adds b's counts to a.
func addCounts(a, b map[string]int) map[string]int {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]int{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}
