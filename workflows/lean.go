package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/searchattr"
)

// leanJourney is the change that keeps a happy-path joiner's history short: the workflow does not write
// EmployeeId when its start already carries it (the intake sets it), the first morning relies on a pre-flight
// minutes old, search-attribute changes ride on the next stage's upsert instead of their own, the stage
// "waiting for start" is not written when there is nothing to wait for, and the look that sees the registration
// revokes the pass itself (no separate RevokeTAP). A run started before it (no marker in its history: an older
// worker ran its first task, whatever the intake) keeps the old commands on replay. The SDK answers the same
// version for the whole run, so the setup asks first and every journey of the run follows.
//
// Version 2 adds the quiet first look (firstlook.go): the first look for a registration comes one poll
// interval after delivery instead of at once. Runs marked 1 keep looking at once.
const leanJourney = "lean-journey"

// The lean-journey change's versions.
const (
	leanVersion           workflow.Version = 1 // the lean commands
	quietFirstLookVersion workflow.Version = 2 // and the first look one interval after delivery
)

// runVersion asks which commands this run issues; the first call records the marker (and the SDK's
// TemporalChangeVersion search attribute: one marker and one upsert per run, however many changes it holds).
func runVersion(ctx workflow.Context) workflow.Version {
	return workflow.GetVersion(ctx, leanJourney, workflow.DefaultVersion, quietFirstLookVersion)
}

// leanRun says the run issues the lean commands.
func leanRun(ctx workflow.Context) bool { return runVersion(ctx) >= leanVersion }

// startLean asks, for a journey, which commands it issues (the run's answer).
func (r *joiner) startLean(ctx workflow.Context) {
	v := runVersion(ctx)
	r.lean, r.quietFirstLook = v >= leanVersion, v >= quietFirstLookVersion
}

// upsert writes search attributes together with any held back for it.
func (r *joiner) upsert(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	updates = append(r.pending, updates...)
	r.pending = nil
	_ = workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// softStage sets a stage that lasts only moments, so a lean journey writes it with the next upsert instead of
// its own (each upsert is a visibility write for the server).
//
// Only while no stage is visible yet (the workflow's first journey): once one is, holding back would leave the
// last journey's stage and outcome (say done, registered) on show while this one runs.
func (r *joiner) softStage(ctx workflow.Context, stage string) {
	if _, shown := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.Stage); !r.lean || shown {
		r.stage(ctx, stage)
		return
	}
	r.j.Stage = stage
	r.upsertSoon(ctx, searchattr.Stage.ValueSet(stage), searchattr.Kind.ValueSet(r.j.Kind))
}

// upsertSoon writes search attributes now, or, in a lean journey, with the next stage's upsert (every path
// reaches one: a stage or the journey's end).
func (r *joiner) upsertSoon(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if r.lean {
		r.pending = append(r.pending, updates...)
		return
	}
	r.upsert(ctx, updates...)
}
