package metrics

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// tapflow's business series. Their labels are low-cardinality codes set by tapflow's own code (journey kinds,
// revoke reasons, outcome codes, HTTP statuses): never an employee id, a user name, an address or a pass.
//
// Activities record through the typed methods (PassIssued, PassRevoked), on success only. Workflow code records
// through the functions taking the SDK's MetricsHandler (JourneyFinished, RegistrationDelay, ScheduleRun), given
// workflow.GetMetricsHandler(ctx), which records nothing while a history replays; the SDK adapter routes these
// names to the series below instead of creating generic ones.

// SDK metric names that the adapter routes to tapflow's series (a counter gains _total, a timer _seconds).
const (
	sdkJourneysFinished  = "tapflow_journeys_finished"
	sdkRegistrationDelay = "tapflow_pass_delivery_to_registration"
	sdkScheduleRuns      = "tapflow_schedule_runs"
	sdkIssuanceVerdicts  = "tapflow_issuance_verdicts"
)

// Label names of the business series.
const (
	labelJourney = "journey"
	labelOutcome = "outcome"
	labelReason  = "reason"
	labelResult  = "result"
	labelStatus  = "status"
)

// Schedule run results, for ScheduleRun.
const (
	ScheduleSucceeded    = "succeeded"     // every row handed over, none rejected
	ScheduleRowsRejected = "rows_rejected" // imported, but some rows were invalid
	ScheduleFailed       = "failed"        // the feed could not be read or rows could not be handed to Temporal
)

// registrationBuckets span a dev stack's seconds to a pass's longest lifetimes (days).
var registrationBuckets = []float64{5, 15, 30, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 72 * 3600}

type business struct {
	passesIssued     *prometheus.CounterVec
	passesRevoked    *prometheus.CounterVec
	journeysFinished *prometheus.CounterVec
	registration     *prometheus.HistogramVec
	scheduleRuns     *prometheus.CounterVec
	webhookRequests  *prometheus.CounterVec
	issuance         *prometheus.CounterVec
}

func newBusiness() business {
	return business{
		passesIssued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_passes_issued_total",
			Help: "Temporary Access Passes created and delivered, by journey (joiner, mover, recovery, reissue, reissue_after_expiry, pickup).",
		}, []string{labelJourney}),
		passesRevoked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_passes_revoked_total",
			Help: "Temporary Access Passes deleted in Entra, by reason (registered, expired_unregistered, start_date_moved, " +
				"reissue_requested, undelivered, cancelled, departed, link_closed_during_reveal, " +
				"or the failure outcome that ended the journey).",
		}, []string{labelReason}),
		journeysFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: sdkJourneysFinished + "_total",
			Help: "TAP journeys ended, by journey kind (joiner, mover, recovery) and outcome (registered, expired, cancelled, " +
				"departed, already_registered, a pre-flight refusal or a failure code).",
		}, []string{labelJourney, labelOutcome}),
		registration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    sdkRegistrationDelay + "_seconds",
			Help:    "Seconds from a pass's delivery to the employee's strong method being seen, by journey kind.",
			Buckets: registrationBuckets,
		}, []string{labelJourney}),
		scheduleRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: sdkScheduleRuns + "_total",
			Help: "Scheduled feed imports (ImportFeed runs), by result (succeeded, rows_rejected, failed).",
		}, []string{labelResult}),
		webhookRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_webhook_requests_total",
			Help: "HR webhook deliveries (POST /v1/events), by the HTTP status answered.",
		}, []string{labelStatus}),
		issuance: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: sdkIssuanceVerdicts + "_total",
			Help: "The issuance guard's verdicts, by result: allowed, tripped (the breaker paused issuance), " +
				"issuance_paused (a pass held by the pause), recovery_limit_tenant, resumed.",
		}, []string{labelResult}),
	}
}

func (b business) collectors() []prometheus.Collector {
	return []prometheus.Collector{b.passesIssued, b.passesRevoked, b.journeysFinished, b.registration, b.scheduleRuns,
		b.webhookRequests, b.issuance}
}

// sdkRoutes are the vectors the SDK adapter uses for tapflow's names, keyed by the adapter's series name.
func (b business) sdkRoutes() map[string]*sdkVec {
	return map[string]*sdkVec{
		sdkJourneysFinished + "_total":    {labels: []string{labelJourney, labelOutcome}, counter: b.journeysFinished},
		sdkRegistrationDelay + "_seconds": {labels: []string{labelJourney}, histogram: b.registration},
		sdkScheduleRuns + "_total":        {labels: []string{labelResult}, counter: b.scheduleRuns},
		sdkIssuanceVerdicts + "_total":    {labels: []string{labelResult}, counter: b.issuance},
	}
}

// PassIssued counts a pass created and delivered; journey is the issue request's reason (joiner, reissue, ...).
func (m *Metrics) PassIssued(journey string) {
	m.biz.passesIssued.WithLabelValues(Code(journey)).Inc()
}

// PassRevoked counts a pass deleted in Entra, by the revoke request's reason.
func (m *Metrics) PassRevoked(reason string) {
	m.biz.passesRevoked.WithLabelValues(Code(reason)).Inc()
}

// WebhookRequest counts an HR webhook delivery by the status it was answered.
func (m *Metrics) WebhookRequest(status int) {
	m.biz.webhookRequests.WithLabelValues(strconv.Itoa(status)).Inc()
}

// JourneyFinished counts a journey's end. Give it workflow.GetMetricsHandler(ctx) from workflow code.
func JourneyFinished(h client.MetricsHandler, journey, outcome string) {
	h.WithTags(map[string]string{labelJourney: Code(journey), labelOutcome: Code(outcome)}).Counter(sdkJourneysFinished).Inc(1)
}

// RegistrationDelay observes the time from a pass's delivery to the registration that ends its journey. Give it
// workflow.GetMetricsHandler(ctx) from workflow code.
func RegistrationDelay(h client.MetricsHandler, journey string, d time.Duration) {
	h.WithTags(map[string]string{labelJourney: Code(journey)}).Timer(sdkRegistrationDelay).Record(d)
}

// ScheduleRun counts a scheduled feed import by result (ScheduleSucceeded, ...). Give it
// workflow.GetMetricsHandler(ctx) from workflow code.
func ScheduleRun(h client.MetricsHandler, result string) {
	h.WithTags(map[string]string{labelResult: Code(result)}).Counter(sdkScheduleRuns).Inc(1)
}

// IssuanceVerdict counts a verdict of the issuance guard by result (allowed, tripped, issuance_paused,
// recovery_limit_tenant, resumed). Give it workflow.GetMetricsHandler(ctx) from workflow code.
func IssuanceVerdict(h client.MetricsHandler, result string) {
	h.WithTags(map[string]string{labelResult: Code(result)}).Counter(sdkIssuanceVerdicts).Inc(1)
}

// Code turns one of tapflow's reason or outcome strings into a label value: lower case, words joined by "_",
// nothing but [a-z0-9_], at most 48 characters ("expired unregistered" becomes expired_unregistered; "" unknown).
func Code(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if out == "" {
		return "unknown"
	}
	return out
}
