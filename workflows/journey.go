package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Activity references: nil receivers for type-safe names; the worker registers the real structs.
var (
	journeyActs  *activities.Journey
	settingsActs *activities.Settings
)

// journeySpec says which TAP journey to run: a joiner's (on the first morning), a mover's re-registration or a
// helpdesk recovery (both at once).
type journeySpec struct {
	kind        Kind
	event       hrevent.Event
	user        string
	now         bool                // issue at once, not on the first morning
	strength    activities.Strength // which registered methods complete it
	baseline    bool                // methods already there do not count: wait for a new one
	requestedBy string
	rehire      bool // the account may still be disabled: check (and re-enable, if configured) on the morning
}

// journey is one running TAP journey. The employee workflow starts it in a coroutine of its own and tells it
// what happens meanwhile (news); whatever ends it, it revokes any pass it may have issued and records its
// outcome on the way out.
type journey struct {
	spec           journeySpec
	rec            *Journey // what the status query shows: the employee's state.Journey
	employeeID     string
	account        *string // the employee's pinned account (EmployeeState.Account)
	enableOnRehire bool
	logger         log.Logger
	timing         activities.Timing

	news    news // what the handlers told it and it has not acted on yet
	resumed bool // the issuance guard lifted the pause this journey waits in
	// linkRefusal and linkHold are what a reveal's check found (a refusal, or privilege to approve first).
	linkRefusal activities.Refusal
	linkHold    *activities.PreflightResult
	checked     checked // what the last pre-flight found
	pass        pass    // how the next pass is due, and whether one may be live

	cancel      workflow.CancelFunc
	stopping    bool // stop was asked: the journey is revoking and ending
	stopOutcome Outcome
	stopNote    string
	ending      bool // it has decided its outcome and is revoking, notifying, recording

	held []temporal.SearchAttributeUpdate // search attributes held back for the next upsert (visibility.go)
}

// news is what the employee workflow's handlers tell a running journey. Each item wakes a wait for it
// (wakeOn); the journey clears an item when it acts on it (take).
type news struct {
	hint      bool // the employee says they registered a method: look now
	dateMoved bool // the start date, time or zone changed (already in rec)
	reissue   bool // a new pass was asked for
}

func (n news) any() bool { return n.hint || n.dateMoved || n.reissue }

// take reports whether an item of news is there, and clears it.
func take(item *bool) bool {
	was := *item
	*item = false
	return was
}

// startJourney starts a TAP journey in its own coroutine; stopJourney stops it.
func (w *employee) startJourney(ctx workflow.Context, spec journeySpec) {
	if last := w.state.Journey; w.state.Account == "" && last != nil && last.Attempts > 0 {
		w.state.Account = last.UserID // a journey from before the pin issued a pass for this account: pin it
	}
	e := spec.event
	w.state.Journey = &Journey{Kind: spec.kind, EventID: e.ID, User: spec.user, TimeZone: e.Employee.TimeZone,
		StartDate: e.Employee.StartDate, StartTime: e.Employee.StartTime, Stage: StageReceived, RequestedBy: spec.requestedBy}
	jctx, cancel := workflow.WithCancel(ctx)
	j := &journey{spec: spec, rec: w.state.Journey, employeeID: w.state.EmployeeID, account: &w.state.Account,
		enableOnRehire: w.lifecycle.EnableOnRehire,
		logger:         w.logger, cancel: cancel, stopOutcome: OutcomeCancelled}
	j.pass.issueNow = spec.now
	w.journey = j
	j.showLater(searchattr.Outcome.ValueUnset(), searchattr.TapExpiresAt.ValueUnset())
	workflow.Go(jctx, func(jctx workflow.Context) {
		defer func() { w.journey = nil }()
		outcome, reason, err := j.run(jctx)
		j.end(jctx, outcome, reason, err)
	})
}

// stopJourney stops the running journey, if any, and waits until it has revoked its pass and recorded outcome.
func (w *employee) stopJourney(ctx workflow.Context, outcome Outcome, note string) error {
	if w.journey == nil {
		return nil
	}
	w.journey.stop(outcome, note)
	return w.awaitJourneyEnd(ctx)
}

// awaitJourneyEnd waits until no journey runs.
func (w *employee) awaitJourneyEnd(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return w.journey == nil })
}

// stop asks the journey to end with outcome; a journey already stopping keeps the first reason.
func (j *journey) stop(outcome Outcome, note string) {
	if j.stopping {
		return
	}
	j.stopping, j.stopOutcome, j.stopNote = true, outcome, note
	j.cancel()
}

// run is the journey's story: pre-flight and approval if privileged, then for each pass: the first morning,
// issue and deliver, await the registration, revoke. A moved date, a reissue or an unregistered expiry (with
// reissues left) goes round again; a registration, an expiry or a refusal ends it.
func (j *journey) run(ctx workflow.Context) (Outcome, string, error) {
	j.passThrough(ctx, StagePreflight) // written with the next stage when nothing shows yet: pre-flight takes a moment
	if err := j.loadTiming(ctx); err != nil {
		return "", "", err
	}
	if !j.spec.rehire { // a rehire's account is checked on the morning, once it may have been re-enabled
		if outcome, reason, err := j.preflightAndApproval(ctx, "has"); outcome != "" || err != nil {
			return outcome, reason, err
		}
	}
	for {
		if err := j.awaitFirstMorning(ctx); err != nil {
			return "", "", err
		}
		if err := j.reenableRehire(ctx); err != nil {
			return "", "", err
		}
		// Check again: a day or a month may have passed since the hire (not when it was checked moments ago).
		if !j.checkedRecently(ctx) {
			if outcome, reason, err := j.preflightAndApproval(ctx, "registered"); outcome != "" || err != nil {
				return outcome, reason, err
			}
		}
		if refusal, reason, err := j.deliver(ctx); refusal != "" || err != nil {
			return refused(refusal), reason, err
		}
		ended, err := j.awaitRegistration(ctx)
		if err != nil {
			return "", "", err
		}
		if outcome, reason, err := j.revokeAfter(ctx, ended); outcome != "" || err != nil {
			return outcome, reason, err
		}
	}
}

// loadTiming reads the worker's timing settings once, when the journey starts (a local activity, recorded), so a
// worker restarted with new settings changes new journeys and never a running one's history.
func (j *journey) loadTiming(ctx workflow.Context) error {
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteLocalActivity(local, settingsActs.Timing).Get(ctx, &j.timing)
}

// reenableRehire enables a rehire's account before its first pass, when configured to.
func (j *journey) reenableRehire(ctx workflow.Context) error {
	if !j.spec.rehire || j.rec.Attempts > 0 || !j.enableOnRehire {
		return nil
	}
	return workflow.ExecuteActivity(graphWrite(ctx), journeyActs.EnableAccount, activities.EnableRequest{
		EmployeeID: j.employeeID, User: j.rec.User, Reason: "rehire"}).Get(ctx, nil)
}

// end turns what ended the journey into its outcome, revokes any pass it may have issued, and records the
// outcome. It runs on a disconnected context: a stopped journey still cleans up.
func (j *journey) end(ctx workflow.Context, outcome Outcome, reason string, err error) {
	j.ending = true
	final, _ := workflow.NewDisconnectedContext(ctx)
	switch {
	case ctx.Err() != nil || temporal.IsCanceledError(err):
		outcome, reason = j.stopOutcome, j.stopNote
	case err != nil:
		outcome, reason = failureOutcome(err)
	}
	if l := j.rec.Pickup; l != nil && l.State == pickup.StateOpen {
		l.State = pickup.StateClosed // a termination, a rescind, a cancel: the link dies with the journey
	}
	if rerr := j.revokeLeftover(final, string(outcome)); rerr != nil {
		j.logger.Warn("the pass could not be revoked", "error", rerr)
		outcome, reason = OutcomeRevokeFailed, reason+" The pass could not be revoked: revoke it in Entra. ("+rerr.Error()+")"
	}
	j.record(final, outcome, reason)
}

// record writes the journey's outcome: the status, the search attributes and the journeys metric.
func (j *journey) record(ctx workflow.Context, outcome Outcome, reason string) {
	j.rec.Outcome, j.rec.Reason = outcome, reason
	j.logger.Info("journey ended", "outcome", outcome)
	metrics.JourneyFinished(workflow.GetMetricsHandler(ctx), string(j.rec.Kind), string(outcome)) // not recorded while replaying
	j.rec.Stage = StageDone
	j.show(ctx, searchattr.Stage.ValueSet(string(StageDone)), searchattr.Outcome.ValueSet(string(outcome)))
}

// failureOutcome turns a failure into an outcome and a sentence (Graph's message, never a wrapper's).
func failureOutcome(err error) (Outcome, string) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return OutcomeFailed, err.Error()
	}
	switch app.Type() {
	case activities.ErrGraphForbidden:
		return OutcomeGraphForbidden, "Graph refused tapflow's app (a permission or role is missing): " + app.Message()
	case activities.ErrGraphUnauthorized:
		return OutcomeGraphAuth, "tapflow could not sign in to Graph: " + app.Message()
	case activities.ErrGraphNotFound:
		return OutcomeGraphNotFound, "Graph no longer finds the user or their manager: " + app.Message()
	case activities.ErrGraphInvalidRequest:
		return OutcomeGraphRefused, "Graph refused the request: " + app.Message()
	case activities.ErrDeliveryFailed:
		return OutcomeDeliveryFailed, "The pass could not be delivered: " + app.Message()
	case errInvalidStart:
		return OutcomeInvalidStart, app.Message()
	}
	return OutcomeFailed, app.Message()
}
