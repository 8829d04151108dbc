package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The tenant watch's series and the security alerts. The tenant watch reads Entra's directory audit log and
// sign-in log and raises a security alert when it sees a pass tapflow did not make, a pass on a privileged
// account, a pass used with no journey, and the like. Labels are fixed codes: a value outside the known set is
// counted under "other" (a log, a reason) or "error" (a read result), never echoed into the label.

// Tenant watch logs, for WatchRead.
const (
	WatchLogDirectoryAudits = "directory_audits" // GET /auditLogs/directoryAudits
	WatchLogSignIns         = "sign_ins"         // GET /auditLogs/signIns
)

// Tenant watch read results, for WatchRead.
const (
	WatchReadOK        = "ok"
	WatchReadDenied    = "denied"    // 401 or 403: tapflow's app lacks the permission (AuditLog.Read.All) or a licence
	WatchReadThrottled = "throttled" // 429
	WatchReadError     = "error"     // anything else
)

// Security alert reasons, for SecurityAlert.
const (
	AlertShadowPass              = "shadow_pass"                // a pass created by anyone other than tapflow's app
	AlertTAPOnPrivilegedAccount  = "tap_on_privileged_account"  // a pass on an account that holds a directory role
	AlertTAPSignInWithoutJourney = "tap_signin_without_journey" // a sign-in with a pass, no journey running for it
	AlertPassUsedAfterRevoke     = "pass_used_after_revoke"     // a sign-in with a pass after tapflow revoked it
	AlertOrphanedPass            = "orphaned_pass"              // a pass tapflow created whose journey is gone
	AlertPickupLocked            = "pickup_locked"              // wrong codes burnt a pickup link
	AlertIssuancePaused          = "issuance_paused"            // the issuance guard paused all issuance
	AlertOther                   = "other"                      // a reason outside this list
)

// reasonGuardRestarted is the issuance guard's other pause (issuance.ReasonRestarted): counted as issuance_paused.
const reasonGuardRestarted = "guard_restarted"

// Label names of the watch series.
const labelLog = "log"

var (
	watchLogs        = []string{WatchLogDirectoryAudits, WatchLogSignIns}
	watchReadResults = []string{WatchReadOK, WatchReadDenied, WatchReadThrottled, WatchReadError}
	alertReasons     = []string{AlertShadowPass, AlertTAPOnPrivilegedAccount, AlertTAPSignInWithoutJourney,
		AlertPassUsedAfterRevoke, AlertOrphanedPass, AlertPickupLocked, AlertIssuancePaused, AlertOther}
	tapSignInResults = []string{"success", "failure"}
)

type watch struct {
	reads       *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	healthy     prometheus.Gauge
	alerts      *prometheus.CounterVec
	tapSignIns  *prometheus.CounterVec
}

func newWatch() watch {
	return watch{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_tenant_watch_reads_total",
			Help: "The tenant watch's reads of Entra's logs, by log (directory_audits, sign_ins) and result " +
				"(ok, denied: 401 or 403, throttled: 429, error).",
		}, []string{labelLog, labelResult}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tapflow_tenant_watch_last_success_timestamp_seconds",
			Help: "Unix time of the tenant watch's last complete successful read of both logs (0: none yet in this process).",
		}),
		healthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tapflow_tenant_watch_healthy",
			Help: "1 while the tenant watch reads both logs, 0 otherwise (and before its first read).",
		}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_security_alerts_total",
			Help: "Security alerts raised, by reason (shadow_pass, tap_on_privileged_account, tap_signin_without_journey, " +
				"pass_used_after_revoke, orphaned_pass, pickup_locked, issuance_paused, other).",
		}, []string{labelReason}),
		tapSignIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapflow_tap_signins_total",
			Help: "Sign-ins with a Temporary Access Pass seen in Entra's sign-in log, by result (success, failure).",
		}, []string{labelResult}),
	}
}

func (w watch) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.reads, w.lastSuccess, w.healthy, w.alerts, w.tapSignIns}
}

// zero creates every known label combination at 0. The gauges start at 0 by themselves.
func (w watch) zero() {
	for _, l := range watchLogs {
		for _, r := range watchReadResults {
			w.reads.WithLabelValues(l, r)
		}
	}
	for _, r := range alertReasons {
		w.alerts.WithLabelValues(r)
	}
	for _, r := range tapSignInResults {
		w.tapSignIns.WithLabelValues(r)
	}
}

// WatchRead counts one read of an Entra log by the tenant watch: log is WatchLogDirectoryAudits or
// WatchLogSignIns ("other" otherwise), result WatchReadOK, WatchReadDenied, WatchReadThrottled or WatchReadError
// (an unknown result counts as "error"). A nil *Metrics records nothing.
func (m *Metrics) WatchRead(log, result string) {
	if m == nil {
		return
	}
	m.watch.reads.WithLabelValues(known(log, watchLogs, AlertOther), known(result, watchReadResults, WatchReadError)).Inc()
}

// WatchSucceeded records the time of a complete successful read of both logs. A zero time is ignored; a nil
// *Metrics records nothing.
func (m *Metrics) WatchSucceeded(at time.Time) {
	if m == nil || at.IsZero() {
		return
	}
	m.watch.lastSuccess.Set(float64(at.UnixMilli()) / 1000)
}

// WatchHealthy sets whether the tenant watch is reading both logs. A nil *Metrics records nothing.
func (m *Metrics) WatchHealthy(ok bool) {
	if m == nil {
		return
	}
	v := 0.0
	if ok {
		v = 1
	}
	m.watch.healthy.Set(v)
}

// SecurityAlert counts a security alert by reason (AlertShadowPass, ...; words are joined as Code does). Any
// other reason counts as AlertOther, except the issuance guard's guard_restarted, which is a pause too and counts
// as AlertIssuancePaused. A nil *Metrics records nothing.
func (m *Metrics) SecurityAlert(reason string) {
	if m == nil {
		return
	}
	r := Code(reason)
	if r == reasonGuardRestarted {
		r = AlertIssuancePaused
	}
	m.watch.alerts.WithLabelValues(known(r, alertReasons, AlertOther)).Inc()
}

// TapSignIn counts a sign-in with a Temporary Access Pass seen in Entra's sign-in log, by whether it succeeded.
// A nil *Metrics records nothing.
func (m *Metrics) TapSignIn(succeeded bool) {
	if m == nil {
		return
	}
	r := tapSignInResults[1]
	if succeeded {
		r = tapSignInResults[0]
	}
	m.watch.tapSignIns.WithLabelValues(r).Inc()
}

// known is v when it is one of set, otherwise fallback.
func known(v string, set []string, fallback string) string {
	for _, s := range set {
		if v == s {
			return v
		}
	}
	return fallback
}
