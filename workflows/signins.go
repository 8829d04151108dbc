package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// tenantWatchChange is the workflow change that brought the tenant watch: a pass shows its account's object
// id (TapflowUserId), a pass issued under an approval raises tap_on_privileged_account, and the journey records
// sign-ins made with its pass.
const tenantWatchChange = "tenant-watch"

// tenantWatched says this run takes the tenant watch's part (a run from before it replays without).
func tenantWatched(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, tenantWatchChange, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}

// maxSignIns is how many sign-ins with a pass a journey keeps.
const maxSignIns = 20

// passShown writes the new pass's expiry with the next upsert, and the account's object id by which the tenant
// watch finds this journey. The id is written whatever the run's version (an upsert's content is not part of
// replay): a journey from before the watch that issues again must be found, or reconciliation would take its
// pass for an orphan. A pass on an account held for its privilege and approved is still a pass on a
// privileged account: it raises tap_on_privileged_account.
func (j *journey) passShown(ctx workflow.Context, expires time.Time) {
	j.showLater(searchattr.TapExpiresAt.ValueSet(expires), searchattr.UserID.ValueSet(strings.ToLower(j.rec.UserID)))
	// A run from before the watch wrote no account with this pass (an upsert's content is not replayed): the
	// watch cannot find it, so it keeps its own schedule.
	j.pass.findable = tenantWatched(ctx)
	if j.rec.ApprovedBy != "" && j.pass.findable {
		workflow.Go(ctx, func(gctx workflow.Context) {
			j.alert(gctx, activities.AlertPrivilegedTAP, "A Temporary Access Pass was issued, with an approval, for a "+
				"privileged account ("+strings.Join(j.rec.Roles, ", ")+"). The audit log names the employee and the approver.")
		})
	}
}

// alert raises a security alert: audited, counted and mailed by the activity.
func (j *journey) alert(ctx workflow.Context, reason, detail string) {
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Alert, activities.AlertRequest{Reason: reason, Detail: detail}).Get(ctx, nil)
	if err != nil {
		j.logger.Warn("a security alert could not be raised", "reason", reason, "error", err)
	}
}

// signedIn records a sign-in with a pass for the employee's account; one made after the journey's pass was
// revoked or expired raises pass_used_after_revoke. Sign-ins for another account, or seen before, are dropped.
func (w *employee) signedIn(ctx workflow.Context, s graph.SignIn) {
	rec := w.state.Journey
	if rec == nil || s.ID == "" || len(s.ID) > 100 || !strings.EqualFold(s.UserID, rec.UserID) {
		return
	}
	for _, seen := range rec.SignIns {
		if seen.ID == s.ID {
			return
		}
	}
	in := PassSignIn{ID: s.ID, At: s.At, Result: "failure", IPAddress: clip(s.IPAddress), City: clip(s.City),
		Country: clip(s.Country), ClientApp: clip(s.ClientApp), App: clip(s.App)}
	if s.Succeeded() {
		in.Result = "success"
	}
	in.AfterRevoke = passEnded(rec, s.At)
	rec.SignIns = append(rec.SignIns, in)
	if len(rec.SignIns) > maxSignIns {
		rec.SignIns = rec.SignIns[len(rec.SignIns)-maxSignIns:]
	}
	w.logger.Info("audit tap.signin", "audit", true, "action", "tap.signin", "employee_id", w.state.EmployeeID,
		"user_id", rec.UserID, "reason", in.Result)
	if in.AfterRevoke && (s.Succeeded() || !alertedFailure(rec.SignIns[:len(rec.SignIns)-1])) && tenantWatched(ctx) {
		j := &journey{logger: w.logger}
		j.alert(ctx, activities.AlertPassUsedAfterRevoke, "A Temporary Access Pass was used ("+in.Result+") for an account "+
			"at "+s.At.UTC().Format(time.RFC3339)+", after tapflow revoked its pass. The audit log names the employee.")
	}
}

// passEnded says the journey's pass was gone at the time: revoked (and no pass issued since), or expired.
func passEnded(rec *Journey, at time.Time) bool {
	if !rec.Revoked.IsZero() && !rec.Issued.After(rec.Revoked) {
		return at.After(rec.Revoked)
	}
	return !rec.Expires.IsZero() && at.After(rec.Expires)
}

// alertedFailure says a failed sign-in after the revoke was already alerted: one alert for failures per
// journey, so someone typing wrong passes cannot flood the security mailbox. Every successful one is alerted.
func alertedFailure(earlier []PassSignIn) bool {
	for _, s := range earlier {
		if s.AfterRevoke && s.Result != "success" {
			return true
		}
	}
	return false
}

// clip bounds a text from the sign-in log and drops control characters (it is shown in terminals).
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
