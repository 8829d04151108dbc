package workflows

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// pass is what the journey knows of its passes: how the next one is due, and whether one may be live.
type pass struct {
	issueNow    bool      // a reissue: issue at once
	nextMorning bool      // after an unregistered expiry: issue on the next working morning
	usableFrom  time.Time // when the next pass becomes usable
	issuing     bool      // a pass may exist that rec.MethodID does not name yet (an issue in flight)
	gone        bool      // the look that saw the registration revoked the live pass
	findable    bool      // the pass's upsert named its account (TapflowUserId): the tenant watch can wake the journey
}

// issueAndDeliver creates and delivers the pass in one activity; only its metadata comes back, never the value.
// From the moment it is scheduled until its result is in, the journey counts a pass as possibly live
// (issuing), so a stop in between still revokes it. A refusal means nothing was issued.
func (j *journey) issueAndDeliver(ctx workflow.Context) (activities.Refusal, string, error) {
	if j.rec.Stage == StagePreflight {
		// Straight from pre-flight in a first journey: written with the stage the issue ends in, so a joiner
		// issued at once makes one visibility write, not two. The status query shows it meanwhile.
		j.passThrough(ctx, StageIssuing)
	} else {
		j.stage(ctx, StageIssuing)
	}
	req := activities.IssueRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID, Language: j.rec.Language,
		Reason: string(j.rec.Kind), RequestedBy: j.spec.requestedBy, Kind: string(j.rec.Kind),
		PassKey: j.rec.EventID + "/" + strconv.Itoa(j.rec.Attempts+1)}
	switch {
	case j.rec.Attempts > 0 && j.pass.issueNow:
		req.Reason = "reissue"
	case j.pass.nextMorning:
		req.Reason = "reissue after expiry"
	}
	if j.pass.usableFrom.After(workflow.Now(ctx)) {
		req.Start = j.pass.usableFrom // issued early by the lead: usable from the morning
	}
	if j.checked.recipient != nil && workflow.Now(ctx).Sub(j.checked.at) < freshCheck {
		// The recipient is personal data, so it travels only because it saves a Graph request per joiner: the
		// pre-flight read it moments ago with the user, and reading it again would repeat that request.
		req.Recipient = j.checked.recipient
	}
	res, err := j.issueOnceAllowed(ctx, req)
	if err != nil {
		return "", "", err
	}
	if res.Refusal != "" {
		return res.Refusal, res.Message, nil
	}
	j.pass.issueNow, j.pass.nextMorning = false, false
	j.rec.MethodID, j.rec.Channel, j.rec.MessageID = res.MethodID, res.Channel, res.MessageID
	j.rec.Issued, j.rec.Expires = workflow.Now(ctx), res.Expires
	j.rec.Attempts++
	j.movePin()
	j.passShown(ctx, res.Expires)
	return "", "", nil
}

// deliver gets a pass to the hire: by pickup link when the worker is so configured (the pass is created when
// the hire reveals it), else issued and delivered at once. An unrevealed link that expired counts as an
// unregistered pass's expiry: a new link on the next working morning while reissues are left.
func (j *journey) deliver(ctx workflow.Context) (activities.Refusal, string, error) {
	if !j.timing.Pickup {
		return j.issueAndDeliver(ctx)
	}
	refusal, reason, expired, err := j.inviteAndAwaitReveal(ctx)
	if refusal != "" || err != nil || !expired {
		return refusal, reason, err
	}
	j.rec.Expires = j.rec.Pickup.Expires
	return "", "", nil
}

// issueOnceAllowed runs the issue, and while the issuance guard holds it, waits in stage held for a person to
// resume issuance, then tries again.
func (j *journey) issueOnceAllowed(ctx workflow.Context, req activities.IssueRequest) (activities.IssueResult, error) {
	o := withWaitForCancellation(graphWriteOptions())
	o.HeartbeatTimeout = 45 * time.Second // a Graph call's 30 s and a margin: a crashed worker's attempt is retried soon
	for {
		j.pass.issuing, j.resumed = true, false // a resume from now on wakes the wait below
		var res activities.IssueResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), journeyActs.IssueAndDeliver, req).Get(ctx, &res); err != nil {
			return res, err
		}
		j.pass.issuing = false
		if res.Held == "" {
			return res, nil
		}
		// Only runs held by the guard reach here, and they write the marker; earlier histories never do.
		if workflow.GetVersion(ctx, issuanceGuardChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return activities.IssueResult{Refusal: activities.Refusal(res.Held), Message: "Issuance is paused."}, nil
		}
		if res, err := j.holdForIssuance(ctx, res.Held, &req); err != nil || res.Refusal != "" {
			return res, err
		}
	}
}

// heldRecheck is how often a journey held by the issuance guard asks it again, should the resume signal be lost.
const heldRecheck = 15 * time.Minute

// holdForIssuance waits in stage held until the guard signals a resume (or heldRecheck passes), then checks the
// user again as pre-flight does, since the hold may have lasted days: a role granted, a manager changed or a
// strong method registered meanwhile counts. A non-empty refusal ends the journey.
func (j *journey) holdForIssuance(ctx workflow.Context, reason string, req *activities.IssueRequest) (activities.IssueResult, error) {
	j.rec.HeldFor = reason
	j.stage(ctx, StageHeld)
	if _, err := workflow.AwaitWithTimeout(ctx, heldRecheck, func() bool { return j.resumed }); err != nil {
		return activities.IssueResult{}, err
	}
	j.rec.HeldFor = ""
	j.checked.at = time.Time{} // the intake's pre-flight is stale now
	outcome, why, err := j.preflightAndApproval(ctx, "has")
	if err != nil || outcome != "" {
		return activities.IssueResult{Refusal: activities.Refusal(outcome), Message: why}, err
	}
	req.Recipient = j.checked.recipient
	j.stage(ctx, StageIssuing)
	return activities.IssueResult{}, nil
}

// issuanceGuardChange is the workflow change that brought the hold on the issuance guard's pause.
const issuanceGuardChange = "issuance-guard"

// revokeAfter revokes the pass once its wait ended, and says whether that ends the journey (a non-empty
// outcome): a registration does; a moved date or a reissue goes round again; an unregistered expiry goes round
// again on the next working morning while reissues are left, else it ends the journey.
func (j *journey) revokeAfter(ctx workflow.Context, ended waitEnd) (Outcome, string, error) {
	if !j.pass.gone {
		j.stage(ctx, StageRevoking) // a reissue or approval no longer fits
	}
	if ended == endRegistered || (ended == endExpired && j.rec.Reissues >= j.timing.MaxReissues) {
		j.ending = true // events from now on wait for the journey to end, then apply afresh
	}
	switch ended {
	case endRegistered:
		if err := j.revoke(ctx, "registered"); err != nil {
			return "", "", err
		}
		return OutcomeRegistered, "A " + j.rec.RegisteredMethod + " method was registered and the pass revoked.", nil
	case endDateMoved:
		j.pass.issueNow, j.pass.nextMorning = false, false
		return "", "", j.revoke(ctx, "start date moved")
	case endReissue:
		j.pass.issueNow = true
		return "", "", j.revoke(ctx, "reissue requested")
	}
	if err := j.revoke(ctx, "expired unregistered"); err != nil {
		return "", "", err
	}
	reissue := j.rec.Reissues < j.timing.MaxReissues
	j.notify(ctx, "expired", reissue)
	if !reissue {
		return OutcomeExpired, "The pass expired before a strong method was registered.", nil
	}
	j.rec.Reissues++
	j.pass.nextMorning = true
	return "", "", nil
}

// revokeLeftover revokes, as the journey ends, a pass that may still be live: the one it knows of, or, if an
// issue was in flight, whatever pass the user holds.
func (j *journey) revokeLeftover(ctx workflow.Context, reason string) error {
	switch {
	case j.pass.issuing && j.rec.UserID != "":
		return j.revokeRequest(ctx, activities.RevokeRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID, Reason: reason})
	case j.pass.issuing:
		return nil
	}
	return j.revoke(ctx, reason)
}

// revoke deletes the live pass; a pass already gone is success.
func (j *journey) revoke(ctx workflow.Context, reason string) error {
	if j.rec.MethodID == "" {
		return nil
	}
	return j.revokeRequest(ctx, activities.RevokeRequest{EmployeeID: j.employeeID, UserID: j.rec.UserID,
		MethodID: j.rec.MethodID, Reason: reason})
}

func (j *journey) revokeRequest(ctx workflow.Context, req activities.RevokeRequest) error {
	if err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.RevokeTAP, req).Get(ctx, nil); err != nil {
		return err
	}
	j.rec.MethodID, j.rec.Revoked, j.pass.issuing = "", workflow.Now(ctx), false
	j.showLater(searchattr.TapExpiresAt.ValueUnset())
	return nil
}

// notify sends a reminder or an expiry notice; a failure to notify is logged, never fatal to the journey.
func (j *journey) notify(ctx workflow.Context, kind string, reissue bool) {
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Notify, activities.NotifyRequest{Kind: kind,
		EmployeeID: j.employeeID, UserID: j.rec.UserID, Expires: j.rec.Expires, Reissue: reissue, Language: j.rec.Language}).Get(ctx, nil)
	if err != nil {
		j.logger.Warn("notice not sent", "kind", kind, "error", err)
	}
}
