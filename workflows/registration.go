package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// issue creates and delivers the pass in one activity; only its metadata comes back. From the moment it is
// scheduled until its result is in, the journey counts a pass as possibly live (issuing), so a cancel in
// between still revokes it.
func (r *joiner) issue(ctx workflow.Context) (activities.IssueResult, error) {
	if r.j.Stage == StagePreflight {
		// Straight from pre-flight (in a lean first journey): written with the stage the issue ends in (awaiting
		// registration, or why it stopped), so a joiner issued at once makes one visibility write, not two. The
		// status query shows it meanwhile.
		r.softStage(ctx, StageIssuing)
	} else {
		r.stage(ctx, StageIssuing)
	}
	s := r.j.Settings
	req := activities.IssueRequest{EmployeeID: r.w.state.EmployeeID, UserID: r.j.UserID,
		LifetimeMinutes: ClampLifetime(s.LifetimeMinutes, r.policy), UsableOnce: s.UsableOnce || r.policy.UsableOnce,
		Channel: s.Channel, FallbackRecipient: s.FallbackRecipient, Language: r.j.Language, Reason: r.j.Kind,
		RequestedBy: r.spec.requestedBy}
	if r.j.Attempts > 0 && r.issueNow {
		req.Reason = "reissue"
	} else if r.nextMorning {
		req.Reason = "reissue after expiry"
	}
	if r.usableFrom.After(workflow.Now(ctx)) {
		req.Start = r.usableFrom // issued early by the lead: usable from the morning
	}
	if r.lean && r.recipient != nil && workflow.Now(ctx).Sub(r.checkedAt) < freshCheck {
		req.Recipient = r.recipient // read moments ago with the user: not read again
	}
	o := withWaitForCancellation(graphWriteOptions())
	o.HeartbeatTimeout = 45 * time.Second // a Graph call's 30 s and a margin: a crashed worker's attempt is retried soon
	actx := workflow.WithActivityOptions(ctx, o)
	r.issuing = true
	var res activities.IssueResult
	if err := workflow.ExecuteActivity(actx, journeyActs.IssueAndDeliver, req).Get(ctx, &res); err != nil {
		return res, err
	}
	r.issuing = false
	if res.Refusal != "" {
		return res, nil
	}
	r.issueNow, r.nextMorning = false, false
	r.j.MethodID, r.j.Channel, r.j.MessageID = res.MethodID, res.Channel, res.MessageID
	r.j.Issued, r.j.Expires = workflow.Now(ctx), res.Expires
	r.j.Attempts++
	r.upsertSoon(ctx, searchattr.TapExpiresAt.ValueSet(res.Expires))
	return res, nil
}

// ClampLifetime fits a wanted pass lifetime into the tenant policy and Graph's 10-43200 minutes.
func ClampLifetime(want int, p activities.TAPPolicy) int {
	lo, hi := 10, 43200
	if p.MinLifetimeMinutes > lo {
		lo = p.MinLifetimeMinutes
	}
	if p.MaxLifetimeMinutes > 0 && p.MaxLifetimeMinutes < hi {
		hi = p.MaxLifetimeMinutes
	}
	if want <= 0 {
		want = p.DefaultLifetimeMinutes
	}
	return min(max(want, lo), hi)
}

// awaitRegistration waits for a strong method while the pass is live, without growing the history: one
// polling activity whose retries do the waiting. It wakes early for a registered hint (to check at once), a
// reminder (sent without stopping the wait), a moved start date, a reissue, or the pass's expiry, and
// returns what ended the wait. A date change or reissue that arrived while the pass was being issued counts.
func (r *joiner) awaitRegistration(ctx workflow.Context) (string, error) {
	r.stage(ctx, StageAwaitingRegistration)
	s := r.j.Settings
	reminded := s.ReminderBefore <= 0
	passCtx, passDone := workflow.WithCancel(ctx) // a reminder belongs to this pass: it stops when the wait does
	defer passDone()
	first := r.quietFirstLook // the pass was just delivered: its first look can wait (firstlook.go)
	for {
		now := workflow.Now(ctx)
		switch {
		case r.w.reissues != r.seenReissues:
			r.seenReissues = r.w.reissues
			return "reissue", nil
		case r.w.dateChanges != r.seenDates:
			r.seenDates = r.w.dateChanges
			return "date_moved", nil
		case !r.j.Expires.After(now):
			return OutcomeExpired, nil
		}
		if first {
			first = false
			// (A hint that came while the pass was being issued asks for a look now.)
			if delay, ok := r.firstLookDelay(now, reminded); ok && r.w.hints == r.seenHints {
				if err := r.awaitFirstLook(ctx, delay); err != nil {
					return "", err
				}
				continue // the checks above again, then the look, at once
			}
		}
		r.seenHints = r.w.hints
		waitCtx, stop := workflow.WithCancel(ctx)
		poll := workflow.ExecuteActivity(pollOptions(waitCtx, s.PollInterval, r.j.Expires.Sub(now), r.lean), journeyActs.AwaitRegistration,
			r.pollRequest())
		sel := workflow.NewSelector(ctx)
		var (
			found    activities.Registration
			pollErr  error
			polled   bool
			remind   bool
			remindAt = r.j.Expires.Add(-s.ReminderBefore)
		)
		sel.AddFuture(poll, func(f workflow.Future) { pollErr, polled = f.Get(ctx, &found), true })
		remindFirst := !reminded && remindAt.After(now)
		if !remindFirst || !r.quietFirstLook { // (with the quiet first look, the reminder's timer comes first alone)
			sel.AddFuture(workflow.NewTimer(waitCtx, r.j.Expires.Sub(now)), func(workflow.Future) {})
		}
		if remindFirst {
			sel.AddFuture(workflow.NewTimer(waitCtx, remindAt.Sub(now)), func(workflow.Future) { remind = true })
		}
		sel.AddReceive(r.wakeOn(waitCtx), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
		sel.Select(ctx)
		stop() // cancels the poll (if still running), the timers and the waker
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if r.lean && !polled {
			// One look at a time: the cancelled look may be running, and may see the method and revoke the pass.
			// Only once it is over does the next look start. A method it found counts; anything else it ended
			// with (nothing yet, a Graph error, its timeout) only means look again, since the wait was woken.
			var got activities.Registration
			if err := poll.Get(ctx, &got); err == nil {
				found, pollErr, polled = got, nil, true
			}
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
		}
		switch {
		case polled && pollErr == nil:
			r.j.Registered, r.j.RegisteredMethod = workflow.Now(ctx), found.MethodType
			if r.lean && found.Revoked { // the look revoked the pass: nothing is left to revoke
				r.revoked = true
				r.j.MethodID, r.j.Revoked = "", r.j.Registered
				r.upsertSoon(ctx, searchattr.TapExpiresAt.ValueUnset())
			}
			metrics.RegistrationDelay(workflow.GetMetricsHandler(ctx), r.j.Kind, r.j.Registered.Sub(r.j.Issued))
			return OutcomeRegistered, nil
		case polled && ranOut(pollErr):
			return OutcomeExpired, nil
		case polled:
			return "", pollErr
		case remind:
			reminded = true
			workflow.Go(passCtx, func(gctx workflow.Context) { r.notify(gctx, "reminder", false) })
		}
		// Loop: a hint or reminder restarts the poll, whose first attempt is immediate; the rest is decided above.
	}
}

// pollRequest asks for one look on the adaptive schedule; in a lean journey the look that finds a strong
// method also revokes the pass.
func (r *joiner) pollRequest() activities.RegistrationRequest {
	s := r.j.Settings
	req := activities.RegistrationRequest{UserID: r.j.UserID, StrongMethods: s.StrongMethods, Ignore: r.ignore,
		Delivered: r.j.Issued, Expires: r.j.Expires, SlowAfter: s.PollSlowAfter, SlowInterval: s.PollSlowInterval}
	if r.lean {
		req.RevokeMethodID, req.EmployeeID = r.j.MethodID, r.w.state.EmployeeID
	}
	return req
}

// ranOut reports a poll that ended without a strong method: its time or its attempts are spent.
func ranOut(err error) bool {
	var app *temporal.ApplicationError
	return temporal.IsTimeoutError(err) || (errors.As(err, &app) && app.Type() == activities.ErrNotRegisteredYet)
}

// revoke deletes the live pass; a pass already gone is success.
func (r *joiner) revoke(ctx workflow.Context, reason string) error {
	if r.j.MethodID == "" {
		return nil
	}
	return r.revokeRequest(ctx, activities.RevokeRequest{EmployeeID: r.w.state.EmployeeID, UserID: r.j.UserID,
		MethodID: r.j.MethodID, Reason: reason})
}

// revokeAll deletes whatever pass the user holds: after a cancel that may have raced an issue in flight.
func (r *joiner) revokeAll(ctx workflow.Context, reason string) error {
	if r.j.UserID == "" {
		return nil
	}
	return r.revokeRequest(ctx, activities.RevokeRequest{EmployeeID: r.w.state.EmployeeID, UserID: r.j.UserID, Reason: reason})
}

func (r *joiner) revokeRequest(ctx workflow.Context, req activities.RevokeRequest) error {
	if err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.RevokeTAP, req).Get(ctx, nil); err != nil {
		return err
	}
	r.j.MethodID, r.j.Revoked, r.issuing = "", workflow.Now(ctx), false
	r.upsertSoon(ctx, searchattr.TapExpiresAt.ValueUnset())
	return nil
}

// notify sends a reminder or an expiry notice; a failure to notify is logged, never fatal to the journey.
func (r *joiner) notify(ctx workflow.Context, kind string, reissue bool) {
	s := r.j.Settings
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Notify, activities.NotifyRequest{Kind: kind,
		EmployeeID: r.w.state.EmployeeID, UserID: r.j.UserID, Channel: s.Channel, FallbackRecipient: s.FallbackRecipient,
		Expires: r.j.Expires, Reissue: reissue, Language: r.j.Language}).Get(ctx, nil)
	if err != nil {
		r.w.logger.Warn("notice not sent", "kind", kind, "error", err)
	}
}

// pollOptions: one attempt per interval until the pass expires (plus a minute for the last attempt). With
// waitForCancel a cancelled poll's future resolves only once the poll is over, with its answer if it had one.
func pollOptions(ctx workflow.Context, interval, until time.Duration, waitForCancel bool) workflow.Context {
	if interval <= 0 {
		interval = time.Minute
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              GraphTaskQueue,
		StartToCloseTimeout:    45 * time.Second, // one Graph call (at most 40 s); a crashed worker's look is redone soon
		ScheduleToCloseTimeout: until + time.Minute,
		WaitForCancellation:    waitForCancel,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: interval, BackoffCoefficient: 1, MaximumInterval: interval,
			MaximumAttempts:        int32(until/interval) + 2, // as many looks as fit before expiry
			NonRetryableErrorTypes: activities.NonRetryableGraphErrors()},
	})
}
