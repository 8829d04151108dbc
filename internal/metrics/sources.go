package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The HR sources' series: the directory source (Entra's users delta query) and the vendor webhooks (BambooHR,
// HiBob, Personio). Labels are fixed codes; a value outside the known set counts as "other".

// HR sources, for the source label.
const (
	SourceDirectory = "directory"
	SourceBambooHR  = "bamboohr"
	SourceHiBob     = "hibob"
	SourcePersonio  = "personio"
	sourceOther     = "other"
)

// Outcomes of an event a source handed to the intake, for SourceEvent: the intake's answers, and invalid (the
// event failed validation) and failed (Temporal did not take it; it is tried again).
const (
	SourceAccepted  = "accepted"
	SourceDuplicate = "duplicate"
	SourceStale     = "stale"
	SourceRefused   = "refused"
	SourceInvalid   = "invalid"
	SourceFailed    = "failed"
)

// Results of a vendor webhook delivery, for SourceDelivery.
const (
	DeliveryAccepted     = "accepted"      // verified and durably handed to Temporal
	DeliveryDuplicate    = "duplicate"     // a delivery already taken
	DeliveryBadSignature = "bad_signature" // missing or wrong signature
	DeliveryStale        = "stale"         // a timestamp outside the replay window
	DeliveryInvalid      = "invalid"       // a body that is not the vendor's payload
	DeliveryUnavailable  = "unavailable"   // Temporal unreachable: 503, the vendor sends it again
)

var (
	sourceNames      = []string{SourceDirectory, SourceBambooHR, SourceHiBob, SourcePersonio}
	sourceOutcomes   = []string{SourceAccepted, SourceDuplicate, SourceStale, SourceRefused, SourceInvalid, SourceFailed}
	deliveryResults  = []string{DeliveryAccepted, DeliveryDuplicate, DeliveryBadSignature, DeliveryStale, DeliveryInvalid, DeliveryUnavailable}
	labelSource      = "source"
	sourceSkipReason = "reason"
)

type sources struct {
	events     *prometheus.CounterVec
	skipped    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	lastEvent  *prometheus.GaugeVec
}

func newSources() sources {
	return sources{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_source_events_total",
			Help: "HR events each source handed to the intake, by source (directory, bamboohr, hibob, personio) and outcome " +
				"(accepted, duplicate, stale, refused, invalid, failed).",
		}, []string{labelSource, labelOutcome}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_source_skipped_total",
			Help: "Changes a source read and did not act on, by source and reason (out_of_scope, no_employee_id, hire_date_past, ...).",
		}, []string{labelSource, sourceSkipReason}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_source_deliveries_total",
			Help: "Vendor webhook deliveries, by source and result (accepted, duplicate, bad_signature, stale, invalid, unavailable).",
		}, []string{labelSource, labelResult}),
		lastEvent: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tapflow_source_last_event_timestamp_seconds",
			Help: "Unix time of the last event a source handed to the intake in this process (0: none yet).",
		}, []string{labelSource}),
	}
}

func (s sources) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.events, s.skipped, s.deliveries, s.lastEvent}
}

func (s sources) zero() {
	for _, src := range sourceNames {
		for _, o := range sourceOutcomes {
			s.events.WithLabelValues(src, o)
		}
		for _, r := range deliveryResults {
			if src != SourceDirectory {
				s.deliveries.WithLabelValues(src, r)
			}
		}
		s.lastEvent.WithLabelValues(src)
	}
}

// SourceEvent counts an event a source handed to the intake, by outcome (SourceAccepted, ...). A nil *Metrics
// records nothing.
func (m *Metrics) SourceEvent(source, outcome string, at time.Time) {
	if m == nil {
		return
	}
	src := known(source, sourceNames, sourceOther)
	m.sources.events.WithLabelValues(src, known(outcome, sourceOutcomes, SourceFailed)).Inc()
	m.sources.lastEvent.WithLabelValues(src).Set(float64(at.UnixMilli()) / 1000)
}

// SourceSkipped counts a change a source did not act on, by its reason code. A nil *Metrics records nothing.
func (m *Metrics) SourceSkipped(source, reason string) {
	if m == nil {
		return
	}
	m.sources.skipped.WithLabelValues(known(source, sourceNames, sourceOther), Code(reason)).Inc()
}

// SourceDelivery counts a vendor webhook delivery by result (DeliveryAccepted, ...). A nil *Metrics records
// nothing.
func (m *Metrics) SourceDelivery(source, result string) {
	if m == nil {
		return
	}
	m.sources.deliveries.WithLabelValues(known(source, sourceNames, sourceOther), known(result, deliveryResults, DeliveryInvalid)).Inc()
}
