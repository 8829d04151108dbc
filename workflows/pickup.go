package workflows

import (
	"crypto/subtle"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/pickup"
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
// kills the link and sends a new one; so does an approval a reveal found missing. expired: the link's time ran
// out unrevealed.
func (j *journey) inviteAndAwaitReveal(ctx workflow.Context) (refusal activities.Refusal, reason string, expired bool, err error) {
	_ = workflow.GetVersion(ctx, pickupChange, workflow.DefaultVersion, 1) // only journeys delivered by link get here
	for {
		j.stage(ctx, StageInvited)
		link, refusal, reason, err := j.sendInvitation(ctx)
		if refusal != "" || err != nil {
			return refusal, reason, false, err
		}
		settled, err := j.awaitLink(ctx, link)
		switch {
		case err != nil:
			return "", "", false, err
		case !settled:
			link.State = pickup.StateExpired
			return "", "", true, nil
		case link.State == pickup.StateRevealed:
			j.stage(ctx, StageRevealed)
			return "", "", false, nil
		case link.State == pickup.StateLocked:
			j.announceLockout(ctx)
			return RefusedPickupLocked, "Too many wrong codes were entered on the pickup page: the link is burnt, no pass was created.", false, nil
		case j.linkRefusal != "":
			return j.linkRefusal, "Checked again at the reveal: " + string(j.linkRefusal) + ". No pass was created.", false, nil
		case j.linkHold != nil:
			hold := j.linkHold
			j.linkHold = nil
			if err := j.awaitApproval(ctx, hold.Roles, hold.HoldReason); err != nil {
				return "", "", false, err
			}
		}
		take(&j.news.reissue)
		link.State = pickup.StateClosed // the old link dies; a new one goes out
		j.logger.Info("audit pickup.reissued", "audit", true, "action", "pickup.reissued", "employee_id", j.employeeID)
	}
}

// awaitLink waits until the link leaves the open state or a reissue comes, or it expires (settled false). A
// reveal in progress is let finish first, whatever else happens.
func (j *journey) awaitLink(ctx workflow.Context, link *PickupLink) (bool, error) {
	settled, err := workflow.AwaitWithTimeout(ctx, link.Expires.Sub(workflow.Now(ctx)), func() bool {
		return (link.State != pickup.StateOpen && link.State != stateRevealing) || (j.news.reissue && link.State == pickup.StateOpen)
	})
	if err != nil || settled || link.State != stateRevealing {
		return settled, err
	}
	err = workflow.Await(ctx, func() bool { return link.State != stateRevealing })
	return link.State != pickup.StateOpen, err
}

// announceLockout tells the security mailbox that wrong codes burnt a link; a failure is logged.
func (j *journey) announceLockout(ctx workflow.Context) {
	j.logger.Warn("audit pickup.locked", "audit", true, "action", "pickup.locked", "employee_id", j.employeeID,
		"reason", string(RefusedPickupLocked))
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Alert, activities.AlertRequest{Reason: string(RefusedPickupLocked),
		Detail: "Five wrong codes were entered on a pickup page, so tapflow burnt the link and created no pass. " +
			"The audit log names the employee; check with them and their manager before sending a new link."}).Get(ctx, nil)
	if err != nil {
		j.logger.Warn("the lockout could not be announced to the security mailbox", "error", err)
	}
}

// sendInvitation mails a new link (and, with the hire's own address, its code) and makes it the journey's.
func (j *journey) sendInvitation(ctx workflow.Context) (*PickupLink, activities.Refusal, string, error) {
	expires, err := j.linkExpiry(ctx)
	if err != nil {
		return nil, "", "", err
	}
	req := activities.InviteRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID, Language: j.rec.Language, Expires: expires,
		PersonalEmail: j.spec.event.Employee.PersonalEmail, MobilePhone: j.spec.event.Employee.MobilePhone}
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
	inv := pickup.Invitation{State: state, DisplayName: l.DisplayName, Expires: l.Expires, Language: w.journey.rec.Language}
	if l.CodeHash != "" {
		inv.NeedsCode, inv.AttemptsLeft = true, pickup.MaxWrongCodes-l.WrongCodes
	}
	return inv
}

// RefusedPickupLocked ends a journey whose link was burnt by wrong codes.
const RefusedPickupLocked activities.Refusal = "pickup_locked"

// checkCode counts a wrong code; the fifth burns the link (the journey's wait ends it, audited and announced).
// It returns the refusal to answer, or "" when the code is right (or none is needed).
func (w *employee) checkCode(ctx workflow.Context, l *PickupLink, digest string) string {
	if l.CodeHash == "" || pickup.DigestMatches(digest, l.CodeHash) {
		return ""
	}
	l.WrongCodes++
	w.logger.Warn("audit pickup.wrong_code", "audit", true, "action", "pickup.wrong_code", "employee_id", w.state.EmployeeID,
		"reason", "wrong_code", "wrong_codes", l.WrongCodes)
	if l.WrongCodes < pickup.MaxWrongCodes {
		return pickup.ReasonWrongCode
	}
	l.State = pickup.StateLocked
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

// opened records fetches of the link.
func (w *employee) opened(ctx workflow.Context, s pickup.OpenedSignal) {
	if l := w.currentLink(s.Hash); l != nil && s.Count > 0 {
		now := workflow.Now(ctx)
		if l.Opens == 0 {
			l.FirstOpened = now
		}
		l.Opens, l.LastOpened = l.Opens+min(s.Count, 1000), now
	}
}
