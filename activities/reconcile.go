package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/internal/watch"
)

// ReconcileRequest asks for every pass tapflow created in the lookback to be checked against the open journeys.
type ReconcileRequest struct {
	Lookback time.Duration `json:"lookback"` // how far back passes can still be live: the longest pass lifetime
	// After bounds the passes checked from below: the watch's first read. Passes from before the watch existed
	// may belong to journeys that never wrote their user's id.
	After time.Time `json:"after"`
	// Settle leaves the newest passes alone: their journey's search attributes may not show yet.
	Settle time.Duration `json:"settle"`
}

// ReconcileResult is what one reconciliation found.
type ReconcileResult struct {
	Checked int    `json:"checked"` // passes tapflow created that are not known to be gone
	Revoked int    `json:"revoked"` // orphans revoked
	Problem string `json:"problem,omitempty"`
}

// ReconcilePasses finds every pass tapflow's app created (from the audit log) that is not known to be deleted
// and whose user has no open journey, revokes it and reports it (orphaned_pass): a workflow terminated or reset
// outside tapflow leaves no pass live.
func (w *Watch) ReconcilePasses(ctx context.Context, req ReconcileRequest) (ReconcileResult, error) {
	now := time.Now().UTC()
	after := req.After
	if first, err := w.Journeys.FirstWatch(ctx); err == nil && !first.IsZero() && first.Before(after) {
		after = first // a watch terminated and started again keeps the first one's floor
	}
	from := now.Add(-req.Lookback)
	if after.After(from) {
		from = after
	}
	audits, err := w.Logs.ListMethodAudits(ctx, from)
	if problem := w.readOutcome("directory_audits", err); problem != "" {
		return ReconcileResult{Problem: problem}, nil
	}
	created := map[string]time.Time{} // user -> tapflow's latest pass, still there as far as the log says
	for _, f := range watch.Classify(audits, nil, w.Journey.Settings.Watch.AppID, nil) {
		switch f.Kind {
		case watch.OwnPass:
			created[lower(f.UserID)] = f.At
		case watch.PassDeleted:
			delete(created, lower(f.UserID))
		}
	}
	users := make([]string, 0, len(created))
	for u, at := range created {
		if now.Sub(at) >= req.Settle {
			users = append(users, u)
		}
	}
	res := ReconcileResult{Checked: len(users)}
	if len(users) == 0 {
		return res, nil
	}
	open, err := w.Journeys.Open(ctx, users)
	if err != nil {
		return res, err
	}
	for _, u := range users {
		if len(open[u]) > 0 {
			continue
		}
		n, err := w.revokeCreated(ctx, u, AlertOrphanedPass, created[u].Add(-time.Minute), time.Time{})
		if err != nil {
			return res, err
		}
		if n > 0 {
			res.Revoked += n
			w.alert(ctx, AlertOrphanedPass, u, fmt.Sprintf("A Temporary Access Pass tapflow created for user %s at %s "+
				"had no open journey (its workflow was terminated or reset outside tapflow); tapflow revoked it.",
				u, created[u].Format(time.RFC3339)))
		}
	}
	return res, nil
}
