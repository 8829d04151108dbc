package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Activity references: nil receivers for type-safe names; the worker registers the real structs.
var (
	journeyActs  *activities.Journey
	settingsActs *activities.Settings
)

// joiner runs one TAP journey for the employee workflow w.
type joiner struct {
	w           *employee
	j           *Journey
	issueNow    bool // a reissue: issue at once
	nextMorning bool // after an unregistered expiry: issue on the next working morning
}

// startJourney starts a joiner journey for a hire, in its own coroutine that a rescind or cancel stops.
func (w *employee) startJourney(ctx workflow.Context, e hrevent.Event) {
	w.state.Journey = &Journey{Kind: "joiner", EventID: e.ID, User: e.Employee.User, TimeZone: e.Employee.TimeZone,
		StartDate: e.Employee.StartDate, StartTime: e.Employee.StartTime, Stage: StageReceived}
	w.hints, w.dateChanges, w.reissues, w.approved, w.cancelNote = 0, 0, 0, false, ""
	jctx, cancel := workflow.WithCancel(ctx)
	w.cancel, w.running = cancel, true
	r := &joiner{w: w, j: w.state.Journey}
	workflow.Go(jctx, func(jctx workflow.Context) {
		defer func() { w.running = false }()
		outcome, reason, err := r.journey(jctx)
		final, _ := workflow.NewDisconnectedContext(jctx)
		switch {
		case jctx.Err() != nil || temporal.IsCanceledError(err):
			if r.j.MethodID != "" {
				_ = r.revoke(final, "cancelled")
			}
			outcome, reason = OutcomeCancelled, w.cancelNote
		case err != nil:
			if r.j.MethodID != "" {
				_ = r.revoke(final, "journey failed")
			}
			outcome, reason = "failed", err.Error()
		}
		r.finish(final, outcome, reason)
	})
}

// journey is the story: pre-flight, approval if privileged, the first morning, issue and deliver, wait for a
// strong method, revoke; again after a moved date, a reissue or an unregistered expiry.
func (r *joiner) journey(ctx workflow.Context) (outcome, reason string, err error) {
	r.stage(ctx, StagePreflight)
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(local, settingsActs.JoinerSettings).Get(ctx, &r.j.Settings); err != nil {
		return "", "", err
	}
	if pre, err := r.preflight(ctx); err != nil || pre.Refusal != "" {
		return pre.Refusal, pre.Message, err
	} else if len(pre.StrongMethods) > 0 {
		return activities.RefusedAlreadyRegistered, "The user already has a strong method (" + pre.StrongMethods[0] + "): no pass is needed.", nil
	} else if pre.Privileged {
		r.j.Roles = pre.Roles
		r.stage(ctx, StageAwaitingApproval)
		if err := workflow.Await(ctx, func() bool { return r.w.approved }); err != nil {
			return "", "", err
		}
	}
	for {
		if err := r.waitForStart(ctx); err != nil {
			return "", "", err
		}
		pre, err := r.preflight(ctx) // again: a day or a month may have passed
		if err != nil || pre.Refusal != "" {
			return pre.Refusal, pre.Message, err
		}
		if len(pre.StrongMethods) > 0 {
			return activities.RefusedAlreadyRegistered, "The user registered a strong method (" + pre.StrongMethods[0] + ") before the pass was issued.", nil
		}
		res, err := r.issue(ctx, pre.Policy)
		if err != nil || res.Refusal != "" {
			return res.Refusal, res.Message, err
		}
		next, err := r.awaitRegistration(ctx)
		if err != nil {
			return "", "", err
		}
		switch next {
		case OutcomeRegistered:
			if err := r.revoke(ctx, "registered"); err != nil {
				return "", "", err
			}
			return OutcomeRegistered, "A " + r.j.RegisteredMethod + " method was registered and the pass revoked.", nil
		case "date_moved":
			if err := r.revoke(ctx, "start date moved"); err != nil {
				return "", "", err
			}
			r.issueNow, r.nextMorning = false, false
		case "reissue":
			if err := r.revoke(ctx, "reissue requested"); err != nil {
				return "", "", err
			}
			r.issueNow = true
		case OutcomeExpired:
			if err := r.revoke(ctx, "expired unregistered"); err != nil {
				return "", "", err
			}
			reissue := r.j.Reissues < r.j.Settings.MaxReissues
			r.notify(ctx, "expired", reissue)
			if !reissue {
				return OutcomeExpired, "The pass expired before a strong method was registered.", nil
			}
			r.j.Reissues++
			r.nextMorning = true
		}
	}
}

func (r *joiner) preflight(ctx workflow.Context) (activities.PreflightResult, error) {
	var pre activities.PreflightResult
	err := workflow.ExecuteActivity(graphRead(ctx), journeyActs.Preflight,
		activities.PreflightRequest{User: r.j.User, StrongMethods: r.j.Settings.StrongMethods}).Get(ctx, &pre)
	if err == nil && pre.UserID != "" {
		r.j.UserID, r.j.Language = pre.UserID, pre.Language
	}
	return pre, err
}

// waitForStart sleeps until the pass is due: the first morning less the lead, the next working morning after an
// expiry, or now for a reissue. A start date change wakes it to aim again.
func (r *joiner) waitForStart(ctx workflow.Context) error {
	for {
		target, err := r.target(ctx)
		if err != nil {
			return err
		}
		r.j.Scheduled = target.UTC()
		r.stage(ctx, StageWaitingForStart)
		seen := r.w.dateChanges
		wait := target.Sub(workflow.Now(ctx))
		if wait <= 0 {
			return nil
		}
		moved, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return r.w.dateChanges != seen })
		if err != nil {
			return err
		}
		if !moved {
			return nil
		}
		r.issueNow, r.nextMorning = false, false
	}
}

func (r *joiner) target(ctx workflow.Context) (time.Time, error) {
	now := workflow.Now(ctx)
	switch {
	case r.issueNow:
		return now, nil
	case r.nextMorning:
		return NextWorkingMorning(now, r.j.StartTime, r.j.TimeZone)
	}
	first, err := hrevent.FirstMorning(r.j.StartDate, r.j.StartTime, r.j.TimeZone)
	if err != nil {
		return time.Time{}, temporal.NewNonRetryableApplicationError("the start date and time cannot be read: "+err.Error(), "InvalidStart", nil)
	}
	return first.Add(-r.j.Settings.StartLead), nil
}

// NextWorkingMorning is the next Monday-to-Friday start time after now, in the employee's zone.
func NextWorkingMorning(now time.Time, startTime, zone string) (time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, err
	}
	day := now.In(loc).AddDate(0, 0, 1)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	return hrevent.FirstMorning(day.Format("2006-01-02"), startTime, zone)
}

func (r *joiner) stage(ctx workflow.Context, stage string) {
	r.j.Stage = stage
	_ = workflow.UpsertTypedSearchAttributes(ctx, searchattr.Stage.ValueSet(stage), searchattr.Kind.ValueSet(r.j.Kind))
}

func (r *joiner) finish(ctx workflow.Context, outcome, reason string) {
	r.j.Outcome, r.j.Reason = outcome, reason
	r.w.logger.Info("journey ended", "outcome", outcome)
	r.j.Stage = StageDone
	_ = workflow.UpsertTypedSearchAttributes(ctx, searchattr.Stage.ValueSet(StageDone), searchattr.Outcome.ValueSet(outcome))
}
