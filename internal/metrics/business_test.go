package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
)

func TestBusinessSeries(t *testing.T) {
	m := New()
	m.PassIssued("joiner")
	m.PassIssued("reissue after expiry")
	m.PassRevoked("registered")
	m.PassRevoked("expired unregistered")
	m.WebhookRequest(202)
	m.WebhookRequest(401)
	m.WebhookRequest(401)
	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, "# HELP tapflow_passes_issued_total Temporary Access Passes created and delivered")
	require.Contains(t, out, `tapflow_passes_issued_total{journey="joiner"} 1`)
	require.Contains(t, out, `tapflow_passes_issued_total{journey="reissue_after_expiry"} 1`)
	require.Contains(t, out, `tapflow_passes_revoked_total{reason="registered"} 1`)
	require.Contains(t, out, `tapflow_passes_revoked_total{reason="expired_unregistered"} 1`)
	require.Contains(t, out, `tapflow_webhook_requests_total{status="202"} 1`)
	require.Contains(t, out, `tapflow_webhook_requests_total{status="401"} 2`)
}

// Workflow code records through the SDK's handler (workflow.GetMetricsHandler): the adapter routes tapflow's names
// to the declared series, with their help and labels, and drops the SDK's own tags.
func TestWorkflowSideSeriesGoThroughTheSDKHandler(t *testing.T) {
	m := New()
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default", "task_queue": "tapflow", "workflow_type": "Employee"})
	JourneyFinished(h, "joiner", "registered")
	JourneyFinished(h, "recovery", "user_disabled")
	RegistrationDelay(h, "joiner", 90*time.Second)
	ScheduleRun(h, ScheduleSucceeded)
	ScheduleRun(m.SDKHandler(), ScheduleFailed)
	out := testkit.Scrape(t, m.Handler())
	require.Contains(t, out, "# HELP tapflow_journeys_finished_total TAP journeys ended")
	require.Contains(t, out, `tapflow_journeys_finished_total{journey="joiner",outcome="registered"} 1`)
	require.Contains(t, out, `tapflow_journeys_finished_total{journey="recovery",outcome="user_disabled"} 1`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_bucket{journey="joiner",le="60"} 0`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_bucket{journey="joiner",le="300"} 1`)
	require.Contains(t, out, `tapflow_pass_delivery_to_registration_seconds_count{journey="joiner"} 1`)
	require.Contains(t, out, `tapflow_schedule_runs_total{result="succeeded"} 1`)
	require.Contains(t, out, `tapflow_schedule_runs_total{result="failed"} 1`)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "tapflow_") {
			require.NotContains(t, line, "namespace", "the SDK's tags are not on tapflow's series")
		}
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{"registered": "registered", "expired unregistered": "expired_unregistered",
		"Start date moved!": "start_date_moved", "": "unknown", "  ": "unknown", "a--b": "a_b",
		strings.Repeat("x", 80): strings.Repeat("x", 48)} {
		require.Equal(t, want, Code(in), in)
	}
}
