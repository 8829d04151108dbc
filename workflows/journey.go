package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Activity references: nil receivers for type-safe names; the worker registers the real structs.
var (
	journeyActs  *activities.Journey
	settingsActs *activities.Settings
)

// journeySpec says which TAP journey to run: a joiner's (first morning), a mover's re-registration or a
// helpdesk recovery (both at once).
type journeySpec struct {
	kind        string
	event       hrevent.Event
	user        string
	now         bool     // issue at once, not on the first morning
	strong      []string // method types that complete it; empty: the configured ones
	baseline    bool     // methods already there do not count: wait for a new one
	requestedBy string
	rehire      bool // the account may still be disabled: check (and re-enable, if configured) on the morning
}

// joiner runs one TAP journey for the employee workflow w.
type joiner struct {
	w         *employee
	j         *Journey
	spec      journeySpec
	ignore    []string  // method ids registered before the journey (a re-registration waits for a new one)
	baselined bool      // ignore is set: a later pass keeps the first baseline
	checkedAt time.Time // when pre-flight last passed

	lean           bool                             // the lean-journey change applies (lean.go)
	quietFirstLook bool                             // and its quiet first look (firstlook.go)
	pending        []temporal.SearchAttributeUpdate // search attributes held back for the next upsert (lean)
	revoked        bool                             // the look that saw the registration revoked the pass (lean)
	recipient      *activities.Recipient            // what the last pre-flight read for delivery

	issueNow    bool      // a reissue: issue at once
	nextMorning bool      // after an unregistered expiry: issue on the next working morning
	usableFrom  time.Time // when the next pass becomes usable
	issuing     bool      // a pass may exist that MethodID does not name yet (an issue in flight)
	policy      activities.TAPPolicy

	// What the journey has acted on; the handlers' counters run ahead when something new arrives.
	seenDates, seenReissues, seenHints int
}

// startJourney starts a joiner journey for a hire.
func (w *employee) startJourney(ctx workflow.Context, e hrevent.Event) {
	w.startSpec(ctx, journeySpec{kind: "joiner", event: e, user: e.Employee.User})
}

// startSpec starts a TAP journey in its own coroutine that a rescind, a termination or a cancel stops.
// Whatever ends it, a pass it may have issued is revoked before the outcome is recorded.
func (w *employee) startSpec(ctx workflow.Context, spec journeySpec) {
	e := spec.event
	w.state.Journey = &Journey{Kind: spec.kind, EventID: e.ID, User: spec.user, TimeZone: e.Employee.TimeZone,
		StartDate: e.Employee.StartDate, StartTime: e.Employee.StartTime, Stage: StageReceived, RequestedBy: spec.requestedBy}
	w.hints, w.dateChanges, w.reissues, w.approved, w.ending = 0, 0, 0, false, false
	w.cancelNote, w.cancelOutcome, w.cancelling = "", OutcomeCancelled, false
	jctx, cancel := workflow.WithCancel(ctx)
	w.cancel, w.running = cancel, true
	r := &joiner{w: w, j: w.state.Journey, spec: spec, issueNow: spec.now}
	r.startLean(ctx)
	r.upsertSoon(ctx, searchattr.Outcome.ValueUnset(), searchattr.TapExpiresAt.ValueUnset())
	workflow.Go(jctx, func(jctx workflow.Context) {
		defer func() { w.running, w.cancelling, w.ending = false, false, false }()
		outcome, reason, err := r.journey(jctx)
		w.ending = true
		final, _ := workflow.NewDisconnectedContext(jctx)
		switch {
		case jctx.Err() != nil || temporal.IsCanceledError(err):
			outcome, reason = w.cancelOutcome, w.cancelNote
		case err != nil:
			outcome, reason = failureOutcome(err)
		}
		if r.issuing || r.j.MethodID != "" {
			revoke := r.revoke // the pass the journey knows of
			if r.issuing {
				revoke = r.revokeAll // an issue was in flight: whatever pass the user holds
			}
			if rerr := revoke(final, outcome); rerr != nil {
				w.logger.Warn("the pass could not be revoked", "error", rerr)
				outcome, reason = "revoke_failed", reason+" The pass could not be revoked: revoke it in Entra. ("+rerr.Error()+")"
			}
		}
		r.finish(final, outcome, reason)
	})
}

// journey is the story: pre-flight, approval if privileged, the first morning, issue and deliver, wait for a
// strong method, revoke; again after a moved date, a reissue or an unregistered expiry.
func (r *joiner) journey(ctx workflow.Context) (outcome, reason string, err error) {
	r.softStage(ctx, StagePreflight) // a lean journey writes it with the next stage: pre-flight takes a moment
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(local, settingsActs.JoinerSettings).Get(ctx, &r.j.Settings); err != nil {
		return "", "", err
	}
	if len(r.spec.strong) > 0 {
		r.j.Settings.StrongMethods = r.spec.strong
	}
	if !r.spec.rehire { // a rehire's account is checked on the morning, once it may have been re-enabled
		if outcome, reason, err := r.checkUser(ctx, "has"); outcome != "" || err != nil {
			return outcome, reason, err
		}
	}
	for {
		if err := r.waitForStart(ctx); err != nil {
			return "", "", err
		}
		if r.spec.rehire && r.j.Attempts == 0 && r.w.lifecycle.EnableOnRehire {
			if err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.EnableAccount, activities.EnableRequest{
				EmployeeID: r.w.state.EmployeeID, User: r.j.User, Reason: "rehire"}).Get(ctx, nil); err != nil {
				return "", "", err
			}
		}
		// Check again: a day or a month may have passed since the hire (not when it was checked moments ago).
		if !r.checkedRecently(ctx) {
			if outcome, reason, err := r.checkUser(ctx, "registered"); outcome != "" || err != nil {
				return outcome, reason, err
			}
		}
		res, err := r.issue(ctx)
		if err != nil || res.Refusal != "" {
			return res.Refusal, res.Message, err
		}
		next, err := r.awaitRegistration(ctx)
		if err != nil {
			return "", "", err
		}
		if done, outcome, reason, err := r.after(ctx, next); done || err != nil {
			return outcome, reason, err
		}
	}
}

// checkUser runs pre-flight and holds a privileged user until approved. A non-empty outcome ends the journey.
func (r *joiner) checkUser(ctx workflow.Context, verb string) (outcome, reason string, err error) {
	pre, err := r.preflight(ctx)
	if err != nil || pre.Refusal != "" {
		return pre.Refusal, pre.Message, err
	}
	if r.spec.baseline {
		if !r.baselined {
			r.ignore, r.baselined = pre.StrongMethodIDs, true // a re-registration or recovery waits for a new method
		}
	} else if len(pre.StrongMethods) > 0 {
		return activities.RefusedAlreadyRegistered, "The user " + verb + " a strong method (" + pre.StrongMethods[0] + "): no pass is needed.", nil
	}
	if pre.Privileged && !r.w.approved {
		r.j.Roles = pre.Roles
		r.stage(ctx, StageAwaitingApproval)
		if err := workflow.Await(ctx, func() bool { return r.w.approved }); err != nil {
			return "", "", err
		}
	}
	return "", "", nil
}

// after acts on what ended a registration wait; done means the journey is over.
func (r *joiner) after(ctx workflow.Context, next string) (done bool, outcome, reason string, err error) {
	if !r.revoked { // (a lean journey's pass may already be gone with the registration)
		r.stage(ctx, StageRevoking) // a reissue or approval no longer fits
	}
	last := next == OutcomeRegistered || (next == OutcomeExpired && r.j.Reissues >= r.j.Settings.MaxReissues)
	if last {
		r.w.ending = true // events from now on wait for the journey to end, then apply afresh
	}
	switch next {
	case OutcomeRegistered:
		if err := r.revoke(ctx, "registered"); err != nil {
			return true, "", "", err
		}
		return true, OutcomeRegistered, "A " + r.j.RegisteredMethod + " method was registered and the pass revoked.", nil
	case "date_moved":
		r.issueNow, r.nextMorning = false, false
		return false, "", "", r.revoke(ctx, "start date moved")
	case "reissue":
		r.issueNow = true
		return false, "", "", r.revoke(ctx, "reissue requested")
	}
	if err := r.revoke(ctx, "expired unregistered"); err != nil {
		return true, "", "", err
	}
	reissue := r.j.Reissues < r.j.Settings.MaxReissues
	r.notify(ctx, "expired", reissue)
	if !reissue {
		return true, OutcomeExpired, "The pass expired before a strong method was registered.", nil
	}
	r.j.Reissues++
	r.nextMorning = true
	return false, "", "", nil
}

func (r *joiner) preflight(ctx workflow.Context) (activities.PreflightResult, error) {
	var pre activities.PreflightResult
	err := workflow.ExecuteActivity(graphRead(ctx), journeyActs.Preflight,
		activities.PreflightRequest{User: r.j.User, StrongMethods: r.j.Settings.StrongMethods}).Get(ctx, &pre)
	if err == nil && pre.UserID != "" {
		r.j.UserID, r.j.Language, r.policy = pre.UserID, pre.Language, pre.Policy
	}
	if err == nil && pre.Refusal == "" {
		r.checkedAt, r.recipient = workflow.Now(ctx), pre.Recipient
	}
	return pre, err
}

// freshCheck is how recent the intake's pre-flight must be for the first morning to rely on it: a joiner
// starting today is issued a pass moments after intake, and checking again would repeat the same four reads.
const freshCheck = 10 * time.Minute

// checkedRecently says the first morning may skip its pre-flight (a lean journey).
func (r *joiner) checkedRecently(ctx workflow.Context) bool {
	if r.spec.rehire || r.j.Attempts > 0 || r.checkedAt.IsZero() || workflow.Now(ctx).Sub(r.checkedAt) >= freshCheck {
		return false
	}
	return r.lean
}

// failureOutcome turns a failure into an outcome code and a sentence (Graph's message, never a wrapper's).
func failureOutcome(err error) (string, string) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return "failed", err.Error()
	}
	switch app.Type() {
	case activities.ErrGraphForbidden:
		return "graph_forbidden", "Graph refused tapflow's app (a permission or role is missing): " + app.Message()
	case activities.ErrGraphUnauthorized:
		return "graph_unauthorized", "tapflow could not sign in to Graph: " + app.Message()
	case activities.ErrGraphNotFound:
		return "graph_not_found", "Graph no longer finds the user or their manager: " + app.Message()
	case activities.ErrGraphInvalidRequest:
		return "graph_refused", "Graph refused the request: " + app.Message()
	case activities.ErrDeliveryFailed:
		return "delivery_failed", "The pass could not be delivered: " + app.Message()
	case "InvalidStart":
		return "invalid_start", app.Message()
	}
	return "failed", app.Message()
}

func (r *joiner) stage(ctx workflow.Context, stage string) {
	r.j.Stage = stage
	r.upsert(ctx, searchattr.Stage.ValueSet(stage), searchattr.Kind.ValueSet(r.j.Kind))
}

func (r *joiner) finish(ctx workflow.Context, outcome, reason string) {
	r.j.Outcome, r.j.Reason = outcome, reason
	r.w.logger.Info("journey ended", "outcome", outcome)
	metrics.JourneyFinished(workflow.GetMetricsHandler(ctx), r.j.Kind, outcome) // not recorded while replaying
	r.j.Stage = StageDone
	r.upsert(ctx, searchattr.Stage.ValueSet(StageDone), searchattr.Outcome.ValueSet(outcome))
}
