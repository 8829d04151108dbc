package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/internal/searchattr"
)

// What a journey shows in search attributes (TapflowStage, TapflowKind, TapflowOutcome, TapExpiresAt). Each
// upsert is a visibility write for the server, so changes that need not show at once (a pass's expiry, a stage
// that lasts moments) are held back and written with the next stage's upsert; every path reaches one (a stage
// or the journey's end).

// stage sets the journey's stage and shows it at once, with whatever was held back.
func (j *journey) stage(ctx workflow.Context, stage Stage) {
	j.rec.Stage = stage
	j.show(ctx, searchattr.Stage.ValueSet(string(stage)), searchattr.Kind.ValueSet(string(j.rec.Kind)))
}

// passThrough sets a stage that lasts only moments: it shows with the next upsert instead of its own, while no
// stage shows yet (the workflow's first journey). Once one does, holding back would leave the last journey's
// stage and outcome (say done, registered) on show while this one runs.
func (j *journey) passThrough(ctx workflow.Context, stage Stage) {
	if _, shown := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.Stage); shown {
		j.stage(ctx, stage)
		return
	}
	j.rec.Stage = stage
	j.showLater(searchattr.Stage.ValueSet(string(stage)), searchattr.Kind.ValueSet(string(j.rec.Kind)))
}

// showLater holds search-attribute changes back for the next upsert.
func (j *journey) showLater(updates ...temporal.SearchAttributeUpdate) {
	j.held = append(j.held, updates...)
}

// show writes search attributes now, together with any held back for it.
func (j *journey) show(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	updates = append(j.held, updates...)
	j.held = nil
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		j.logger.Warn("search attributes not written", "error", err)
	}
}
