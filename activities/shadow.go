package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/watch"
)

// shadowPass alerts on a pass created outside tapflow (and on the account's privilege, when it has any), and
// with Settings.Watch.ShadowPass revoke, revokes it, unless tapflow's own pass replaced it since (superseded; a
// user holds one pass at a time). It returns the alerts raised.
func (w *Watch) shadowPass(ctx context.Context, f watch.Finding, superseded bool) int {
	by := "an application " + f.ByAppID
	if f.ByUserID != "" {
		by = "the user " + f.ByUserID
	}
	action := "It was left in place (TAPFLOW_SHADOW_PASS=alert); revoke it if nobody can account for it."
	switch {
	case w.Journey.Settings.Watch.ShadowPass != ShadowRevoke:
	case superseded:
		action = "tapflow's own pass has replaced it since."
	default:
		action = "tapflow revoked it (TAPFLOW_SHADOW_PASS=revoke)."
		// Only the pass the entry is about: one created within seconds of it. A pass tapflow created since (a
		// hire's pass, issued after an administrator's) is left alone.
		if n, err := w.revokeCreated(ctx, f.UserID, AlertShadowPass, f.At.Add(-shadowMatch), f.At.Add(shadowMatch)); err != nil || n == 0 {
			action = "tapflow found no pass created then to revoke: check the account's methods."
		}
	}
	w.alert(ctx, AlertShadowPass, f.UserID, fmt.Sprintf("A Temporary Access Pass was created for user %s at %s by %s, "+
		"outside tapflow. %s", f.UserID, f.At.UTC().Format(time.RFC3339), by, action))
	alerts := 1
	if roles, privileged := w.privileged(ctx, f.UserID); privileged {
		w.alert(ctx, AlertPrivilegedTAP, f.UserID, fmt.Sprintf("The Temporary Access Pass created for user %s at %s "+
			"outside tapflow is on a privileged account (%s).", f.UserID, f.At.UTC().Format(time.RFC3339), strings.Join(roles, ", ")))
		alerts++
	}
	return alerts
}

// shadowMatch is how close a pass's creation time must be to a shadow pass's audit entry to be that pass.
const shadowMatch = 10 * time.Second

// privileged reads the account's privilege as pre-flight does (fail-closed: what cannot be read counts).
func (w *Watch) privileged(ctx context.Context, userID string) ([]string, bool) {
	ms, err := w.Journey.memberships(ctx, userID)
	if err != nil {
		return []string{"unknown: the user's roles and groups could not be read"}, true
	}
	p, err := w.Journey.privilegeOf(ctx, "", userID, ms)
	if err != nil {
		return []string{"unknown: the user's roles could not be read"}, true
	}
	return p.roles, p.privileged()
}

// revokeCreated deletes the user's passes created between from and until (either zero: unbounded), audited with
// the reason, and returns how many it deleted.
func (w *Watch) revokeCreated(ctx context.Context, userID, reason string, from, until time.Time) (int, error) {
	taps, err := w.Journey.Graph.ListTAPs(ctx, userID)
	if err != nil {
		return 0, graphFailure(fmt.Errorf("read the user's passes: %w", err))
	}
	n := 0
	for _, t := range taps {
		if (!from.IsZero() && t.CreatedAt.Before(from)) || (!until.IsZero() && t.CreatedAt.After(until)) {
			continue
		}
		if err := w.Journey.Graph.DeleteTAP(ctx, userID, t.ID); err != nil && !graph.IsNotFound(err) {
			return n, graphFailure(fmt.Errorf("revoke the pass: %w", err))
		}
		w.Journey.metrics().PassRevoked(reason)
		w.Journey.record(ctx, audit.Entry{Action: "tap.revoked", UserID: userID, MethodID: t.ID, Reason: reason})
		n++
	}
	return n, nil
}
