package metrics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
)

// Before any event, tapflow's series with a known label set are already there at zero, so rate() and the alert
// rules see the first event as an increase.
func TestSeriesExistFromTheFirstScrape(t *testing.T) {
	out := testkit.Scrape(t, New().Handler())
	for _, line := range []string{
		`tapflow_security_alerts_total{reason="shadow_pass"} 0`,
		`tapflow_security_alerts_total{reason="tap_on_privileged_account"} 0`,
		`tapflow_security_alerts_total{reason="tap_signin_without_journey"} 0`,
		`tapflow_security_alerts_total{reason="pass_used_after_revoke"} 0`,
		`tapflow_security_alerts_total{reason="orphaned_pass"} 0`,
		`tapflow_security_alerts_total{reason="pickup_locked"} 0`,
		`tapflow_security_alerts_total{reason="issuance_paused"} 0`,
		`tapflow_security_alerts_total{reason="other"} 0`,
		`tapflow_tenant_watch_reads_total{log="directory_audits",result="ok"} 0`,
		`tapflow_tenant_watch_reads_total{log="sign_ins",result="denied"} 0`,
		`tapflow_tenant_watch_reads_total{log="sign_ins",result="throttled"} 0`,
		"tapflow_tenant_watch_last_success_timestamp_seconds 0",
		"tapflow_tenant_watch_healthy 0",
		`tapflow_tap_signins_total{result="success"} 0`,
		`tapflow_tap_signins_total{result="failure"} 0`,
		`tapflow_passes_issued_total{journey="pickup"} 0`,
		`tapflow_passes_revoked_total{reason="expired_unregistered"} 0`,
		`tapflow_passes_revoked_total{reason="departed"} 0`,
		`tapflow_journeys_finished_total{journey="joiner",outcome="revoke_failed"} 0`,
		`tapflow_journeys_finished_total{journey="recovery",outcome="identity_mismatch"} 0`,
		`tapflow_issuance_verdicts_total{result="tripped"} 0`,
		`tapflow_issuance_verdicts_total{result="issuance_paused"} 0`,
		`tapflow_schedule_runs_total{result="failed"} 0`,
		`tapflow_webhook_requests_total{status="401"} 0`,
		`tapflow_pass_delivery_to_registration_seconds_count{journey="mover"} 0`,
	} {
		require.Contains(t, out, line+"\n")
	}
	require.NotContains(t, out, `log="other"`, "an unknown log gets its series only when it happens")
}

// The workflow side records through the SDK adapter into the same zero-initialised series.
func TestZeroSeriesCountThroughTheSDKHandler(t *testing.T) {
	m := New()
	IssuanceVerdict(m.SDKHandler().WithTags(map[string]string{"namespace": "default"}), "tripped")
	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, `tapflow_issuance_verdicts_total{result="tripped"} 1`+"\n")
	require.Contains(t, out, `tapflow_issuance_verdicts_total{result="allowed"} 0`+"\n")
}

func TestWatchSeries(t *testing.T) {
	m := New()
	m.WatchRead(WatchLogDirectoryAudits, WatchReadOK)
	m.WatchRead(WatchLogSignIns, WatchReadThrottled)
	m.WatchRead(WatchLogSignIns, "teapot")                   // an unknown result is an error
	m.WatchRead("ada.lovelace@contoso.example", WatchReadOK) // never echoed
	m.WatchSucceeded(time.Unix(1_780_000_000, 500_000_000))
	m.WatchSucceeded(time.Time{}) // ignored
	m.WatchHealthy(true)
	m.SecurityAlert(AlertShadowPass)
	m.SecurityAlert("Tap on privileged account")
	m.SecurityAlert("guard_restarted") // the guard's other pause
	m.SecurityAlert("ada.lovelace@contoso.example")
	m.TapSignIn(true)
	m.TapSignIn(false)
	m.TapSignIn(false)
	out := testkit.Scrape(t, m.Handler())
	for _, line := range []string{
		`tapflow_tenant_watch_reads_total{log="directory_audits",result="ok"} 1`,
		`tapflow_tenant_watch_reads_total{log="sign_ins",result="throttled"} 1`,
		`tapflow_tenant_watch_reads_total{log="sign_ins",result="error"} 1`,
		`tapflow_tenant_watch_reads_total{log="other",result="ok"} 1`,
		"tapflow_tenant_watch_last_success_timestamp_seconds 1.7800000005e+09",
		"tapflow_tenant_watch_healthy 1",
		`tapflow_security_alerts_total{reason="shadow_pass"} 1`,
		`tapflow_security_alerts_total{reason="tap_on_privileged_account"} 1`,
		`tapflow_security_alerts_total{reason="issuance_paused"} 1`,
		`tapflow_security_alerts_total{reason="other"} 1`,
		`tapflow_tap_signins_total{result="success"} 1`,
		`tapflow_tap_signins_total{result="failure"} 2`,
	} {
		require.Contains(t, out, line+"\n")
	}
	require.NotContains(t, out, "ada.lovelace")
	require.NotContains(t, out, "teapot")

	m.WatchHealthy(false)
	require.Contains(t, testkit.Scrape(t, m.Handler()), "tapflow_tenant_watch_healthy 0\n")
}

func TestWatchMethodsOnNilMetrics(t *testing.T) {
	var m *Metrics
	require.NotPanics(t, func() {
		m.WatchRead(WatchLogSignIns, WatchReadOK)
		m.WatchSucceeded(time.Now())
		m.WatchHealthy(true)
		m.SecurityAlert(AlertShadowPass)
		m.TapSignIn(true)
	})
}
