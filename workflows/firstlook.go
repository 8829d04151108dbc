package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// The quiet first look (the lean-journey change's version 2). Nobody registers a strong method within
// milliseconds of the pass's delivery, so a look at once finds nothing; yet it is an activity round trip for
// the server, in the middle of an intake's burst of deliveries. The first look comes one poll interval after
// delivery instead, after a workflow timer, and a hint, a moved date or a reissue still wakes the wait at once.
// Looks then come at the same moments as before, minus the one at delivery: the same detection latency, one
// look fewer, and a burst of joiners that reaches delivery sooner.
//
// The first look's timer adds five events to a pass's history, once. The same version keeps one deadline timer
// at a time while the looks run: the reminder's while it is due, then the expiry's (the reminder restarts the
// wait anyway), which saves two of them when a reminder is set (the default): a happy-path joiner has 38 events
// with the default reminder (35 before the change), 40 without one.

// firstLookDelay is how long the first look of a pass waits: until one poll interval past its delivery. It
// waits only when the first look then still comes before the pass's expiry and its reminder (so both are left
// to the look's wait, as before); otherwise the look is at once.
func (r *joiner) firstLookDelay(now time.Time, reminded bool) (time.Duration, bool) {
	s := r.j.Settings
	interval := s.PollInterval
	if interval <= 0 {
		interval = time.Minute // pollOptions' default
	}
	at := r.j.Issued.Add(interval)
	if !at.After(now) || !at.Before(r.j.Expires) {
		return 0, false
	}
	if remindAt := r.j.Expires.Add(-s.ReminderBefore); !reminded && remindAt.After(now) && !at.Before(remindAt) {
		return 0, false
	}
	return at.Sub(now), true
}

// awaitFirstLook waits delay, or less if something wakes the wait (see wakeOn).
func (r *joiner) awaitFirstLook(ctx workflow.Context, delay time.Duration) error {
	waitCtx, stop := workflow.WithCancel(ctx)
	defer stop() // cancels the timer (if woken) and the waker
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(waitCtx, delay), func(workflow.Future) {})
	sel.AddReceive(r.wakeOn(waitCtx), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
	return ctx.Err()
}

// wakeOn returns a channel that receives once a registered hint, a moved date or a reissue arrives after the
// journey last acted on them, until ctx is cancelled.
func (r *joiner) wakeOn(ctx workflow.Context) workflow.ReceiveChannel {
	woken := workflow.NewBufferedChannel(ctx, 1)
	workflow.Go(ctx, func(gctx workflow.Context) {
		if workflow.Await(gctx, func() bool {
			return r.w.hints != r.seenHints || r.w.dateChanges != r.seenDates || r.w.reissues != r.seenReissues
		}) == nil {
			woken.Send(gctx, true)
		}
	})
	return woken
}
