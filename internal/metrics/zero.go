package metrics

// tapflow's series exist from the first scrape: New creates every known label combination of the business
// series at zero, so rate(), increase() and alert rules see a counter's first event as an increase from 0
// instead of a series that appears already at 1. The values below are the codes tapflow's own code records
// (after Code); a value outside them (a failure outcome on a revoke, a new refusal) still gets its series on
// first use. They are spelled out here because the packages that define them import this one.
var (
	// journeyKinds: workflows.KindJoiner, KindMover, KindRecovery (a leaver is not a journey).
	journeyKinds = []string{"joiner", "mover", "recovery"}

	// passJourneys: the issue request's reason, the journey kind or a reissue (workflows/pass.go), or pickup
	// (activities/reveal.go: a pass created when the hire reveals it).
	passJourneys = []string{"joiner", "mover", "recovery", "reissue", "reissue_after_expiry", "pickup"}

	// revokeReasons: the revoke requests' reasons (workflows/pass.go, reveal.go, leaver.go; activities/issue.go,
	// reveal.go, registration.go). A journey's end also revokes under its outcome: those appear on first use.
	revokeReasons = []string{"registered", "expired_unregistered", "start_date_moved", "reissue_requested",
		"undelivered", "departed", "cancelled", "link_closed_during_reveal", "shadow_pass", "orphaned_pass"}

	// journeyOutcomes: workflows.Outcome* and the refusals that end a journey (activities.Refused*,
	// workflows.RefusedPickupLocked).
	journeyOutcomes = []string{
		"registered", "expired", "cancelled", "departed", "revoke_failed", "failed", "graph_forbidden",
		"graph_unauthorized", "graph_not_found", "graph_refused", "delivery_failed", "invalid_start", "identity_changed",
		"user_not_found", "user_disabled", "tap_disabled", "out_of_policy_scope", "no_delivery_target",
		"already_registered", "identity_mismatch", "identity_unbound", "no_second_channel",
		"split_knowledge_same_recipient", "pickup_locked", "recovery_limit_tenant",
	}

	// issuanceResults: the IssuanceGuard workflow's verdicts (workflows/issuance.go, internal/issuance).
	issuanceResults = []string{"allowed", "tripped", "issuance_paused", "recovery_limit_tenant", "resumed"}

	// scheduleResults: ScheduleSucceeded, ScheduleRowsRejected, ScheduleFailed.
	scheduleResults = []string{ScheduleSucceeded, ScheduleRowsRejected, ScheduleFailed}

	// webhookStatuses: every status internal/webhook answers POST /v1/events with.
	webhookStatuses = []string{"200", "202", "400", "401", "413", "415", "500", "503"}
)

// zero creates the business series' known label combinations at zero (the registration histogram too, by
// journey kind).
func (b business) zero() {
	for _, j := range passJourneys {
		b.passesIssued.WithLabelValues(j)
	}
	for _, r := range revokeReasons {
		b.passesRevoked.WithLabelValues(r)
	}
	for _, k := range journeyKinds {
		b.registration.WithLabelValues(k)
		for _, o := range journeyOutcomes {
			b.journeysFinished.WithLabelValues(k, o)
		}
	}
	for _, r := range issuanceResults {
		b.issuance.WithLabelValues(r)
	}
	for _, r := range scheduleResults {
		b.scheduleRuns.WithLabelValues(r)
	}
	for _, s := range webhookStatuses {
		b.webhookRequests.WithLabelValues(s)
	}
}
