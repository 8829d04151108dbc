package workflows

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/pickup"
)

// pickupActs names the pickup page's activity, run on the page process's own task queue.
var pickupActs *activities.Pickup

// stateRevealing marks a link whose pass is being created.
const stateRevealing = "revealing"

// reveal checks the code, checks the user again when the morning's check is stale, then creates the pass on the
// page's worker, which hands the value to the waiting response; the journey gets the metadata. A journey that
// moved on meanwhile (stopped, reissued, expired) revokes the pass at once.
func (w *employee) reveal(ctx workflow.Context, r pickup.RevealUpdate) (pickup.RevealAnswer, error) {
	j, l := w.journey, w.currentLink(r.Hash)
	if j == nil || l == nil || l.State != pickup.StateOpen {
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	}
	if refused := w.checkCode(ctx, l, r.CodeDigest); refused != "" {
		return pickup.RevealAnswer{Refused: refused, Invitation: w.invitation(ctx, r.Hash)}, nil
	}
	l.State = stateRevealing
	if ok, err := j.recheckForReveal(ctx, l); !ok || err != nil {
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, err
	}
	j.pass.issuing = true
	res, err := w.createForReveal(ctx, j, r)
	current := w.journey == j && !j.ending && !j.stopping && l.State == stateRevealing
	switch {
	case err == nil && res.MethodID != "" && !current:
		// The journey ended, or the link died, while the pass was made: it must not stay live.
		_ = j.revokeRequest(ctx, activities.RevokeRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID, MethodID: res.MethodID,
			Reason: "link closed during reveal"})
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	case !current:
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	case err != nil || res.Undelivered || res.Held != "":
		j.pass.issuing = err != nil // a failed create may have left a pass: the journey's end revokes it
		l.State = pickup.StateOpen
		return pickup.RevealAnswer{Refused: "unavailable"}, nil
	case res.Refusal != "":
		j.pass.issuing, l.State, j.linkRefusal = false, pickup.StateClosed, res.Refusal
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	}
	return w.revealed(ctx, j, l, r, res), nil
}

// revealed records the revealed pass and answers the page.
func (w *employee) revealed(ctx workflow.Context, j *journey, l *PickupLink, r pickup.RevealUpdate, res activities.CreateResult) pickup.RevealAnswer {
	j.pass.issuing = false
	now := workflow.Now(ctx)
	j.rec.MethodID, j.rec.Issued, j.rec.Expires = res.MethodID, now, res.Expires
	j.rec.Attempts++
	l.State, l.RevealedAt, l.RevealedFrom = pickup.StateRevealed, now, r.From
	j.movePin()
	j.passShown(ctx, res.Expires)
	account := j.rec.User
	if j.checked.recipient != nil && j.checked.recipient.UserPrincipalName != "" {
		account = j.checked.recipient.UserPrincipalName
	}
	return pickup.RevealAnswer{Account: account, Expires: res.Expires, UsableOnce: res.UsableOnce}
}

// recheckForReveal runs pre-flight again when the last check is older than freshCheck (a reveal may come
// hours after the morning): a refusal closes the link with its reason, a privilege not approved yet closes it
// for an approval, and the journey's wait acts on either.
func (j *journey) recheckForReveal(ctx workflow.Context, l *PickupLink) (bool, error) {
	if workflow.Now(ctx).Sub(j.checked.at) < freshCheck {
		return true, nil
	}
	pre, err := j.preflight(ctx)
	switch {
	case err != nil:
		l.State = pickup.StateOpen
		return false, err
	case pre.Refusal != "":
		l.State, j.linkRefusal = pickup.StateClosed, pre.Refusal
		return false, nil
	case pre.Privileged && (j.rec.ApprovedBy == "" || !coveredBy(j.rec.ApprovedRoles, pre.Roles)):
		l.State, j.linkHold = pickup.StateClosed, &pre
		return false, nil
	}
	return true, nil
}

// coveredBy reports whether every role is among the approved ones.
func coveredBy(approved, roles []string) bool {
	for _, r := range roles {
		if !slices.Contains(approved, r) {
			return false
		}
	}
	return true
}

// createForReveal runs the create activity on the page's task queue, once: a retry would find no waiter.
func (w *employee) createForReveal(ctx workflow.Context, j *journey, r pickup.RevealUpdate) (activities.CreateResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: r.Queue, ScheduleToStartTimeout: 5 * time.Second,
		StartToCloseTimeout: 10 * time.Second, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	var res activities.CreateResult
	err := workflow.ExecuteActivity(ctx, pickupActs.CreateForReveal, activities.CreateRequest{EmployeeID: w.state.EmployeeID,
		UserID: j.rec.UserID, WaiterID: r.WaiterID, Kind: string(j.rec.Kind),
		PassKey:         j.rec.EventID + "/pickup/" + strconv.Itoa(j.rec.Attempts+1),
		LifetimeMinutes: j.timing.LifetimeMinutes, UsableOnce: j.timing.UsableOnce, Issuance: j.timing.Issuance}).Get(ctx, &res)
	return res, err
}

// registerPickup wires the pickup page's handlers: the lookup query, the opened signal, the reveal update. The
// reveal's validator refuses, before anything is written to history, a request without its page's queue or
// waiter, or for a link that is not this journey's open one.
func (w *employee) registerPickup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, pickup.QueryInvitation, func(hash string) (pickup.Invitation, error) {
		return w.invitation(ctx, hash), nil
	}); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, pickup.SignalOpened)
		for {
			var s pickup.OpenedSignal
			ch.Receive(ctx, &s)
			w.opened(ctx, s)
		}
	})
	return workflow.SetUpdateHandlerWithOptions(ctx, pickup.UpdateReveal, w.reveal, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, r pickup.RevealUpdate) error {
			switch {
			case !strings.HasPrefix(r.Queue, pickup.QueuePrefix) || len(r.Queue) > 200 || r.WaiterID == "" || len(r.WaiterID) > 64:
				return errors.New("queue, waiter_id: the pickup page's own (" + pickup.QueuePrefix + "...)")
			case len(r.CodeDigest) > 64 || len(r.From) > 64:
				return errors.New("code_digest, from: too long")
			case w.invitation(ctx, r.Hash).State != pickup.StateOpen:
				return errors.New("hash: not this journey's open link")
			}
			return nil
		}})
}
