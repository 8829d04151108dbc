package workflows

import (
	"crypto/subtle"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// PickupLink is a journey's pickup link as the status shows it: the hash of its token (the token itself exists
// only in the invitation), its state, and how it was used.
type PickupLink struct {
	Hash         string    `json:"hash"`
	CodeHash     string    `json:"code_hash,omitempty"` // the one-time code's, when one went to the second channel
	WrongCodes   int       `json:"wrong_codes,omitempty"`
	State        string    `json:"state"`
	Expires      time.Time `json:"expires"`
	DisplayName  string    `json:"display_name,omitempty"`
	Opens        int       `json:"opens"`
	FirstOpened  time.Time `json:"first_opened,omitempty"`
	LastOpened   time.Time `json:"last_opened,omitempty"`
	RevealedAt   time.Time `json:"revealed_at,omitempty"`
	RevealedFrom string    `json:"revealed_from,omitempty"`
}

// pickupChange is the workflow change that brought delivery by pickup link.
const pickupChange = "pickup"

// inviteAndAwaitReveal sends the invitation and waits until the hire reveals the pass (the reveal update
// creates it: see reveal), the link expires or is burnt, or the journey stops. A reissue (starter reissue)
// kills the link and sends a new one. expired: the link's time ran out unrevealed.
func (j *journey) inviteAndAwaitReveal(ctx workflow.Context) (refusal activities.Refusal, reason string, expired bool, err error) {
	_ = workflow.GetVersion(ctx, pickupChange, workflow.DefaultVersion, 1) // only journeys delivered by link get here
	for {
		j.stage(ctx, StageInvited)
		link, refusal, reason, err := j.sendInvitation(ctx)
		if refusal != "" || err != nil {
			return refusal, reason, false, err
		}
		woke, err := workflow.AwaitWithTimeout(ctx, link.Expires.Sub(workflow.Now(ctx)), func() bool {
			return link.State == pickup.StateRevealed || link.State == pickup.StateLocked || j.news.reissue
		})
		switch {
		case err != nil:
			return "", "", false, err
		case !woke:
			link.State = pickup.StateExpired
			return "", "", true, nil
		case link.State == pickup.StateLocked:
			return RefusedPickupLocked, "Too many wrong codes were entered on the pickup page: the link is burnt, no pass was created.", false, nil
		case link.State == pickup.StateRevealed:
			j.stage(ctx, StageRevealed)
			return "", "", false, nil
		}
		take(&j.news.reissue)
		link.State = pickup.StateClosed // the old link dies; a new one goes out
		j.logger.Info("audit pickup.reissued", "audit", true, "action", "pickup.reissued", "employee_id", j.employeeID)
	}
}

// sendInvitation mails a new link (and, with the hire's own address, its code) and makes it the journey's.
func (j *journey) sendInvitation(ctx workflow.Context) (*PickupLink, activities.Refusal, string, error) {
	expires, err := j.linkExpiry(ctx)
	if err != nil {
		return nil, "", "", err
	}
	req := activities.InviteRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID, Language: j.rec.Language, Expires: expires,
		PersonalEmail: j.spec.event.Employee.PersonalEmail}
	if j.checked.recipient != nil && workflow.Now(ctx).Sub(j.checked.at) < freshCheck {
		req.Recipient = j.checked.recipient
	}
	var res activities.InviteResult
	if err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Invite, req).Get(ctx, &res); err != nil {
		return nil, "", "", err
	}
	if res.Refusal != "" {
		return nil, res.Refusal, res.Message, nil
	}
	link := &PickupLink{Hash: res.Hash, CodeHash: res.CodeHash, State: pickup.StateOpen, Expires: expires}
	if j.checked.recipient != nil {
		link.DisplayName = j.checked.recipient.DisplayName
	}
	j.rec.Pickup, j.rec.Channel, j.rec.MessageID = link, activities.ChannelPickup, res.MessageID
	return link, "", "", nil
}

// linkExpiry is when the link expires: the configured time on the first day, in the hire's zone, or, when that
// has passed (a recovery, a later morning), the same time on the day after.
func (j *journey) linkExpiry(ctx workflow.Context) (time.Time, error) {
	zone, ends, now := j.rec.TimeZone, j.timing.PickupEndsAt, workflow.Now(ctx)
	var at time.Time
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "" {
			loc = time.UTC
		}
		hm, err := time.Parse("15:04", ends)
		if err != nil {
			hm, _ = time.Parse("15:04", activities.DefaultPickupEndsAt)
		}
		local := now.In(loc)
		at := time.Date(local.Year(), local.Month(), local.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
		if !at.After(now.Add(time.Hour)) {
			at = at.AddDate(0, 0, 1)
		}
		return at.UTC()
	}).Get(&at)
	return at, err
}

// invitation answers the page's lookup: the link's state, and whom it is for; a hash that is not the current
// link's is closed (a reissued, ended or never-sent link).
func (w *employee) invitation(ctx workflow.Context, hash string) pickup.Invitation {
	l := w.currentLink(hash)
	if l == nil {
		return pickup.Invitation{State: pickup.StateClosed}
	}
	state := l.State
	if state == pickup.StateOpen && !workflow.Now(ctx).Before(l.Expires) {
		state = pickup.StateExpired
	}
	inv := pickup.Invitation{State: state, DisplayName: l.DisplayName, Expires: l.Expires}
	if l.CodeHash != "" {
		inv.NeedsCode, inv.AttemptsLeft = true, pickup.MaxWrongCodes-l.WrongCodes
	}
	return inv
}

// RefusedPickupLocked ends a journey whose link was burnt by wrong codes.
const RefusedPickupLocked activities.Refusal = "pickup_locked"

// checkCode counts a wrong code; the fifth burns the link, audited, and the security mailbox is told. It
// returns the refusal to answer, or "" when the code is right (or none is needed).
func (w *employee) checkCode(ctx workflow.Context, l *PickupLink, hash, code string) string {
	if l.CodeHash == "" || pickup.CodeMatches(hash, code, l.CodeHash) {
		return ""
	}
	l.WrongCodes++
	w.logger.Warn("audit pickup.wrong_code", "audit", true, "action", "pickup.wrong_code", "employee_id", w.state.EmployeeID,
		"reason", "wrong_code", "wrong_codes", l.WrongCodes)
	if l.WrongCodes < pickup.MaxWrongCodes {
		return pickup.ReasonWrongCode
	}
	l.State = pickup.StateLocked
	w.logger.Warn("audit pickup.locked", "audit", true, "action", "pickup.locked", "employee_id", w.state.EmployeeID,
		"reason", string(RefusedPickupLocked))
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Alert, activities.AlertRequest{Reason: string(RefusedPickupLocked),
		Detail: "Five wrong codes were entered on a pickup page, so tapflow burnt the link and created no pass. " +
			"The audit log names the employee; check with them and their manager before sending a new link."}).Get(ctx, nil)
	if err != nil {
		w.logger.Warn("the lockout could not be announced to the security mailbox", "error", err)
	}
	return pickup.StateLocked
}

// currentLink is the running journey's link when hash is its hash.
func (w *employee) currentLink(hash string) *PickupLink {
	if w.journey == nil || w.journey.rec.Pickup == nil {
		return nil
	}
	l := w.journey.rec.Pickup
	if subtle.ConstantTimeCompare([]byte(l.Hash), []byte(hash)) != 1 {
		return nil
	}
	return l
}

// opened records a fetch of the link.
func (w *employee) opened(ctx workflow.Context, s pickup.OpenedSignal) {
	if l := w.currentLink(s.Hash); l != nil {
		now := workflow.Now(ctx)
		if l.Opens == 0 {
			l.FirstOpened = now
		}
		l.Opens, l.LastOpened = l.Opens+1, now
	}
}

// pickupActs names the pickup page's activity, run on the page process's own task queue.
var pickupActs *activities.Pickup

// reveal creates the pass on the page's worker, which hands the value to the waiting response; the journey
// gets the metadata. A second reveal after success is refused and audited as suspicious.
func (w *employee) reveal(ctx workflow.Context, r pickup.RevealUpdate) (pickup.RevealAnswer, error) {
	hash := pickup.Hash(r.Token)
	j, l := w.journey, w.currentLink(hash)
	if j == nil || l == nil {
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	}
	switch inv := w.invitation(ctx, hash); inv.State {
	case pickup.StateOpen:
	case pickup.StateRevealed:
		w.logger.Warn("audit pickup.reveal_again", "audit", true, "action", "pickup.reveal_again", "employee_id",
			w.state.EmployeeID, "reason", "suspicious")
		return pickup.RevealAnswer{Refused: pickup.StateRevealed}, nil
	default:
		return pickup.RevealAnswer{Refused: inv.State}, nil
	}
	if refused := w.checkCode(ctx, l, hash, r.Code); refused != "" {
		return pickup.RevealAnswer{Refused: refused, Invitation: w.invitation(ctx, hash)}, nil
	}
	l.State = "revealing"
	j.pass.issuing = true
	res, err := w.createForReveal(ctx, j, r)
	j.pass.issuing = err != nil || res.MethodID != "" // a failed create may have left a pass: the journey's end revokes it
	switch {
	case err != nil || res.Undelivered || res.Held != "":
		l.State = pickup.StateOpen
		return pickup.RevealAnswer{Refused: "unavailable"}, nil
	case res.Refusal != "":
		l.State = pickup.StateClosed
		return pickup.RevealAnswer{Refused: pickup.StateClosed}, nil
	}
	j.pass.issuing = false
	now := workflow.Now(ctx)
	j.rec.MethodID, j.rec.Issued, j.rec.Expires = res.MethodID, now, res.Expires
	j.rec.Attempts++
	l.State, l.RevealedAt, l.RevealedFrom = pickup.StateRevealed, now, r.From
	j.movePin()
	j.showLater(searchattr.TapExpiresAt.ValueSet(res.Expires))
	account := j.rec.User
	if j.checked.recipient != nil && j.checked.recipient.UserPrincipalName != "" {
		account = j.checked.recipient.UserPrincipalName
	}
	return pickup.RevealAnswer{Account: account, Expires: res.Expires, UsableOnce: res.UsableOnce}, nil
}

// createForReveal runs the create activity on the page's task queue, once: a retry would find no waiter.
func (w *employee) createForReveal(ctx workflow.Context, j *journey, r pickup.RevealUpdate) (activities.CreateResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: r.Queue, ScheduleToStartTimeout: 10 * time.Second,
		StartToCloseTimeout: 20 * time.Second, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	var res activities.CreateResult
	err := workflow.ExecuteActivity(ctx, pickupActs.CreateForReveal, activities.CreateRequest{EmployeeID: w.state.EmployeeID,
		UserID: j.rec.UserID, WaiterID: r.WaiterID, Kind: string(j.rec.Kind),
		PassKey: j.rec.EventID + "/" + "pickup"}).Get(ctx, &res)
	return res, err
}

// registerPickup wires the pickup page's handlers: the lookup query, the opened signal, the reveal update. The
// reveal's validator refuses, before anything is written to history, a request without its page's queue or
// waiter, or for a link that is not this journey's.
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
		Validator: func(_ workflow.Context, r pickup.RevealUpdate) error {
			switch {
			case r.Queue == "" || len(r.Queue) > 200 || r.WaiterID == "" || len(r.WaiterID) > 64:
				return errors.New("queue, waiter_id: the pickup page's own")
			case len(r.Code) > 32 || len(r.From) > 64:
				return errors.New("code, from: too long")
			case len(r.Token) > 200 || w.currentLink(pickup.Hash(r.Token)) == nil:
				return errors.New("token: not this journey's link")
			}
			return nil
		}})
}
