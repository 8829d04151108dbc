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

// Waiting for a registration. While the pass is live the journey looks for a strong method with one polling
// activity whose retries do the waiting (so a long wait adds nothing to the history), on the adaptive schedule
// (every poll interval, slower after the first hour). The look that sees the method revokes the pass at once.
//
// The first look of a pass waits one poll interval after delivery, on a workflow timer: nobody registers within
// milliseconds of the delivery, and a look at once would be an activity round trip for the server in the
// middle of an intake's burst of deliveries. A registered hint, a moved date or a reissue wakes any wait at
// once. One deadline timer runs at a time: the reminder's while it is due (the reminder restarts the look),
// then the expiry's.

// waitEnd is what ended a registration wait.
type waitEnd string

const (
	endRegistered waitEnd = "registered" // a strong method was seen
	endExpired    waitEnd = "expired"    // the pass ran out first
	endDateMoved  waitEnd = "date_moved" // the start date moved: the next pass is for the new morning
	endReissue    waitEnd = "reissue"    // a new pass was asked for
)

// awaitRegistration waits for a strong method while the pass is live, and returns what ended the wait. It
// sends the reminder without stopping the wait. A date change or reissue that arrived while the pass was being
// issued counts.
func (j *journey) awaitRegistration(ctx workflow.Context) (waitEnd, error) {
	j.stage(ctx, StageAwaitingRegistration)
	reminded := j.timing.ReminderBefore <= 0
	passCtx, passDone := workflow.WithCancel(ctx) // a reminder belongs to this pass: it stops when the wait does
	defer passDone()
	for first := true; ; first = false {
		if ended, over := j.passOver(ctx); over {
			return ended, nil
		}
		if first {
			if waited, err := j.awaitFirstLook(ctx, reminded); waited || err != nil {
				if err != nil {
					return "", err
				}
				continue // the checks above again, then the look, at once
			}
		}
		l, err := j.look(ctx, reminded)
		switch {
		case err != nil:
			return "", err
		case l.found:
			j.registered(ctx, l.registration)
			return endRegistered, nil
		case l.ranOut:
			return endExpired, nil
		case l.remind:
			reminded = true
			workflow.Go(passCtx, func(gctx workflow.Context) { j.notify(gctx, "reminder", false) })
		}
		// Look again: a hint or a reminder restarts the poll, whose first attempt is immediate.
	}
}

// passOver says the wait is over before any look: a reissue, a moved date, or the pass's expiry.
func (j *journey) passOver(ctx workflow.Context) (waitEnd, bool) {
	switch {
	case take(&j.news.reissue):
		return endReissue, true
	case take(&j.news.dateMoved):
		return endDateMoved, true
	case !j.rec.Expires.After(workflow.Now(ctx)):
		return endExpired, true
	}
	return "", false
}

// awaitFirstLook waits until one poll interval past the delivery (or less, if something wakes it), and
// reports whether it waited. It does not wait when the look would then come at or after the pass's expiry or
// its reminder, or when a hint came while the pass was being issued: the look is at once.
func (j *journey) awaitFirstLook(ctx workflow.Context, reminded bool) (bool, error) {
	delay, ok := j.firstLookDelay(workflow.Now(ctx), reminded)
	if !ok || j.news.hint {
		return false, nil
	}
	waitCtx, stop := workflow.WithCancel(ctx)
	defer stop() // cancels the timer (if woken) and the waker
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(waitCtx, delay), func(workflow.Future) {})
	sel.AddReceive(j.wakeOn(waitCtx), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
	return true, ctx.Err()
}

// firstLookDelay is how long the first look of a pass waits: until one poll interval past its delivery, when
// that is still before the pass's expiry and its reminder.
func (j *journey) firstLookDelay(now time.Time, reminded bool) (time.Duration, bool) {
	at := j.rec.Issued.Add(pollInterval(j.timing.PollInterval))
	if !at.After(now) || !at.Before(j.rec.Expires) {
		return 0, false
	}
	if remindAt := j.rec.Expires.Add(-j.timing.ReminderBefore); !reminded && remindAt.After(now) && !at.Before(remindAt) {
		return 0, false
	}
	return at.Sub(now), true
}

// lookResult is how one look ended; all false means look again (a hint woke it, or the reminder is due).
type lookResult struct {
	found        bool
	registration activities.Registration
	ranOut       bool // the pass's time or the poll's attempts are spent
	remind       bool // the reminder is due
}

// look runs the polling activity until it finds a strong method or runs out, or until the deadline timer or
// news wakes it. One look runs at a time: a woken look is cancelled and waited for, since it may have seen
// the method and revoked the pass; a method it found counts, anything else it ended with means look again.
func (j *journey) look(ctx workflow.Context, reminded bool) (lookResult, error) {
	take(&j.news.hint)
	now := workflow.Now(ctx)
	waitCtx, stop := workflow.WithCancel(ctx)
	defer stop()
	var res lookResult
	poll := workflow.ExecuteActivity(pollOptions(waitCtx, j.timing.PollInterval, j.rec.Expires.Sub(now)),
		journeyActs.AwaitRegistration, j.pollRequest())
	var pollErr error
	polled := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(poll, func(f workflow.Future) { pollErr, polled = f.Get(ctx, &res.registration), true })
	if remindAt := j.rec.Expires.Add(-j.timing.ReminderBefore); !reminded && remindAt.After(now) {
		sel.AddFuture(workflow.NewTimer(waitCtx, remindAt.Sub(now)), func(workflow.Future) { res.remind = true })
	} else {
		sel.AddFuture(workflow.NewTimer(waitCtx, j.rec.Expires.Sub(now)), func(workflow.Future) {})
	}
	sel.AddReceive(j.wakeOn(waitCtx), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
	stop() // cancels the poll (if still running), the timer and the waker
	if !polled && ctx.Err() == nil {
		if err := poll.Get(ctx, &res.registration); err == nil {
			pollErr, polled = nil, true
		}
	}
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case polled && pollErr == nil:
		res.found = true
	case polled && ranOut(pollErr):
		res.ranOut = true
	case polled:
		return res, pollErr
	}
	return res, nil
}

// wakeOn returns a channel that receives once there is news for the journey, until ctx is cancelled.
func (j *journey) wakeOn(ctx workflow.Context) workflow.ReceiveChannel {
	woken := workflow.NewBufferedChannel(ctx, 1)
	workflow.Go(ctx, func(gctx workflow.Context) {
		if workflow.Await(gctx, func() bool { return j.news.any() }) == nil {
			woken.Send(gctx, true)
		}
	})
	return woken
}

// registered records the method seen; the look revoked the live pass with it, unless Graph refused (then
// revokeAfter revokes it).
func (j *journey) registered(ctx workflow.Context, reg activities.Registration) {
	j.rec.Registered, j.rec.RegisteredMethod = workflow.Now(ctx), reg.MethodType
	if reg.Revoked {
		j.pass.gone = true
		j.rec.MethodID, j.rec.Revoked = "", j.rec.Registered
		j.showLater(searchattr.TapExpiresAt.ValueUnset())
	}
	metrics.RegistrationDelay(workflow.GetMetricsHandler(ctx), string(j.rec.Kind), j.rec.Registered.Sub(j.rec.Issued))
}

// pollRequest asks for looks on the adaptive schedule; the look that finds a strong method also revokes the pass.
func (j *journey) pollRequest() activities.RegistrationRequest {
	return activities.RegistrationRequest{UserID: j.rec.UserID, Strength: j.spec.strength, Ignore: j.checked.ignore,
		Delivered: j.rec.Issued, Expires: j.rec.Expires, RevokeMethodID: j.rec.MethodID, EmployeeID: j.employeeID,
		Findable: j.pass.findable}
}

// ranOut reports a poll that ended without a strong method: its time or its attempts are spent.
func ranOut(err error) bool {
	var app *temporal.ApplicationError
	return temporal.IsTimeoutError(err) || (errors.As(err, &app) && app.Type() == activities.ErrNotRegisteredYet)
}

// pollInterval is the configured poll interval, or a minute.
func pollInterval(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Minute
	}
	return d
}

// pollOptions: one attempt per interval until the pass expires (plus a minute for the last attempt). A
// cancelled poll's future resolves only once the poll is over, with its answer if it had one.
func pollOptions(ctx workflow.Context, interval, until time.Duration) workflow.Context {
	interval = pollInterval(interval)
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              GraphTaskQueue,
		StartToCloseTimeout:    45 * time.Second, // one Graph call (at most 40 s); a crashed worker's look is redone soon
		ScheduleToCloseTimeout: until + time.Minute,
		WaitForCancellation:    true,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: interval, BackoffCoefficient: 1, MaximumInterval: interval,
			MaximumAttempts:        int32(until/interval) + 2, // as many looks as fit before expiry
			NonRetryableErrorTypes: activities.NonRetryableGraphErrors()},
	})
}
