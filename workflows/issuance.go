package workflows

import (
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/metrics"
)

// guardHistoryLimit is how many updates one run of the guard takes before it continues as new: well under
// Temporal's limit on updates per run (2,000 by default).
const guardHistoryLimit = 500

// IssuanceGuard is the tenant's one issuance guard (package issuance): every pass is reserved with it before it
// is created. It trips a circuit breaker when more passes than the limit were issued in a sliding hour, holds
// every pass until a person resumes issuance, and refuses recoveries over the tenant's daily limit. Its id is
// fixed (issuance.WorkflowID): one per namespace, started by whoever first needs it.
func IssuanceGuard(ctx workflow.Context, state issuance.State) error {
	g := &guard{state: state, logger: workflow.GetLogger(ctx)}
	if err := g.setup(ctx); err != nil {
		return err
	}
	return g.run(ctx)
}

// guard is the guard's run: its state, what it must still announce, and how many verdicts it gave.
type guard struct {
	state    issuance.State
	logger   log.Logger
	resumed  []string // held journeys to tell that issuance goes on
	verdicts int
}

// setup registers the reserve and resume updates and the status query.
func (g *guard) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, issuance.QueryStatus, func() (issuance.Status, error) {
		return g.state.Status(workflow.Now(ctx)), nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, issuance.UpdateReserve, g.reserve, workflow.UpdateHandlerOptions{
		Validator: func(_ workflow.Context, reqs []issuance.Request) error { return issuance.CheckBatch(reqs) }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, issuance.UpdateResume, g.resume, workflow.UpdateHandlerOptions{
		Validator: func(_ workflow.Context, r issuance.ResumeRequest) error { return g.state.CheckResume(r) }})
}

// unannounced says a pause has not been told to the security mailbox yet.
func (g *guard) unannounced() bool { return g.state.Paused && !g.state.Announced }

// run announces pauses and resumes as the handlers record them, and continues as new when the history grows.
func (g *guard) run(ctx workflow.Context) error {
	for {
		if err := workflow.Await(ctx, func() bool {
			return g.unannounced() || len(g.resumed) > 0 || g.verdicts >= guardHistoryLimit ||
				workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}); err != nil {
			return err
		}
		if g.unannounced() {
			g.state.Announced = true
			g.announce(ctx, g.state.PauseReason)
		}
		for len(g.resumed) > 0 {
			id := g.resumed[0]
			g.resumed = g.resumed[1:]
			if err := workflow.SignalExternalWorkflow(ctx, id, "", issuance.SignalResumed, nil).Get(ctx, nil); err != nil {
				g.logger.Warn("a held journey could not be told that issuance resumed", "workflow_id", id, "error", err)
			}
		}
		if g.verdicts >= guardHistoryLimit || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool {
				return workflow.AllHandlersFinished(ctx) && len(g.resumed) == 0 && !g.unannounced()
			}); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, IssuanceGuard, g.state)
		}
	}
}

// reserve gives a batch of verdicts, in order, each counted; a trip is audited.
func (g *guard) reserve(ctx workflow.Context, reqs []issuance.Request) ([]issuance.Verdict, error) {
	g.verdicts++
	out := make([]issuance.Verdict, len(reqs))
	for i, r := range reqs {
		v := g.state.Reserve(workflow.Now(ctx), r)
		result := "allowed"
		switch {
		case v.Tripped:
			result = "tripped"
			g.logger.Info("audit issuance.paused", "audit", true, "action", "issuance.paused", "reason", issuance.ReasonPaused,
				"limit_per_hour", r.Limits.PerHour)
		case !v.Allowed:
			result = v.Reason
		}
		metrics.IssuanceVerdict(workflow.GetMetricsHandler(ctx), result)
		out[i] = v
	}
	return out, nil
}

// resume lifts a pause for the named person, audited, and tells the held journeys.
func (g *guard) resume(ctx workflow.Context, r issuance.ResumeRequest) (issuance.Status, error) {
	g.verdicts++
	was := g.state.Paused
	g.resumed = append(g.resumed, g.state.Resume(workflow.Now(ctx), r)...)
	g.logger.Info("audit issuance.resumed", "audit", true, "action", "issuance.resumed", "by", r.By, "was_paused", was)
	metrics.IssuanceVerdict(workflow.GetMetricsHandler(ctx), "resumed")
	return g.state.Status(workflow.Now(ctx)), nil
}

// announce tells the security mailbox that issuance is paused; a failure is logged, the pause stands.
func (g *guard) announce(ctx workflow.Context, reason string) {
	detail := "More passes were issued in the last hour than TAPFLOW_ISSUANCE_LIMIT allows, so tapflow paused all " +
		"issuance. Journeys wait in stage held. Check the audit log for who sent the events; when it is safe, run " +
		"starter issuance resume --by NAME --reason TEXT."
	if reason == issuance.ReasonRestarted {
		g.logger.Info("audit issuance.paused", "audit", true, "action", "issuance.paused", "reason", reason)
		detail = "The issuance guard's workflow was closed outside tapflow (cancelled or terminated), so what it " +
			"counted is lost and tapflow paused all issuance. Find who closed it in Temporal's audit; when it is " +
			"safe, run starter issuance resume --by NAME --reason TEXT."
	}
	err := workflow.ExecuteActivity(graphWrite(ctx), journeyActs.Alert, activities.AlertRequest{Reason: reason,
		Detail: detail}).Get(ctx, nil)
	if err != nil {
		g.logger.Warn("the pause could not be announced to the security mailbox", "error", err)
	}
}
