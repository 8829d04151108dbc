package stack

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/webhook/whtest"
	"github.com/tapflow/tapflow/workflows"
)

// devConfig is the dev stack on free ports, persisting under dir.
func devConfig(dir string) Config {
	return Config{
		Temporal:           tcfg(),
		DevTemporalAddress: "127.0.0.1:0",
		UIAddress:          "127.0.0.1:0",
		EmulatorAddress:    "127.0.0.1:0",
		HTTPAddress:        "127.0.0.1:0",
		WebhookAddress:     "127.0.0.1:0",
		DataDir:            dir,
		LogLevel:           "info",
		LogFormat:          "text",
		// The tests that read the pass from the manager's mail; the pickup tests choose pickup.
		Journey: JourneyConfig{Settings: activities.JoinerSettings{Channel: activities.ChannelManagerMail}},
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func checkTenant(t *testing.T, c client.Client, id string) workflows.TenantReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, workflows.CheckTenant)
	require.NoError(t, err)
	var report workflows.TenantReport
	require.NoError(t, run.Get(ctx, &report))
	return report
}

// TestDevStackRunsEveryPartAndSurvivesARestart starts the whole dev stack in-process, checks each part
// answers and a workflow runs through Temporal, the worker, msgraph-sdk-go and the emulator, then stops and
// restarts on the same SQLite file and finds that workflow's history.
func TestDevStackRunsEveryPartAndSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	s, err := Start(ctx, devConfig(dir), log)
	require.NoError(t, err)

	// Temporal answers.
	_, err = s.Client().CheckHealth(ctx, &client.CheckHealthRequest{})
	require.NoError(t, err)
	// The Web UI serves its page and its API reaches Temporal.
	status, body := get(t, s.UIURL()+"/")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, strings.ToLower(body), "<html")
	status, _ = get(t, s.UIURL()+"/api/v1/namespaces/default/workflows")
	require.Equal(t, http.StatusOK, status)
	// The emulator answers with the demo directory.
	status, body = get(t, s.EmulatorURL()+"/_emulator/users/"+graphemu.DemoAdaLovelaceID)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "ada.lovelace@contoso.example")
	// Health and readiness.
	status, _ = get(t, s.HTTPURL()+"/healthz")
	require.Equal(t, http.StatusOK, status)
	status, _ = get(t, s.HTTPURL()+"/readyz")
	require.Equal(t, http.StatusOK, status)

	// A workflow runs to completion through the Graph worker and the emulator.
	report := checkTenant(t, s.Client(), "check-tenant/e2e")
	require.True(t, report.Ready, "problems: %v", report.Problems)
	require.True(t, report.Policy.Enabled)
	require.Equal(t, 480, report.Policy.MaxLifetimeMinutes)
	recordHistory(t, s.Client(), "check-tenant/e2e", "check-tenant-v1.json")

	// Metrics show the Graph call and the SDK's own series.
	status, body = get(t, s.HTTPURL()+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `tapflow_graph_requests_total{method="GET",route="/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",status="200"} 1`)
	require.Contains(t, body, "temporal_workflow_completed_total")
	// The HR webhook takes a signed hire and hands it to the employee's workflow.
	require.NotEmpty(t, s.GeneratedWebhookSecret())
	hire := `{"id":"evt-webhook-1","type":"hire","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":"E1002",` +
		`"user":"katherine.johnson@contoso.example","time_zone":"America/New_York","start_date":"2031-03-03"}}`
	require.Equal(t, http.StatusAccepted, postSigned(t, s.WebhookURL(), s.GeneratedWebhookSecret(), hire))
	require.Equal(t, http.StatusOK, postSigned(t, s.WebhookURL(), s.GeneratedWebhookSecret(), hire), "a duplicate")
	require.Equal(t, http.StatusUnauthorized, postSigned(t, s.WebhookURL(), "whsec_"+base64.StdEncoding.EncodeToString([]byte("wrong-secret-bytes")), hire))
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, "employee/E1002")
		return st.Journey != nil && st.Journey.Stage == workflows.StageWaitingForStart
	}, 30*time.Second, 100*time.Millisecond)

	banner := s.Banner()
	for _, want := range []string{s.TemporalAddress(), s.UIURL(), s.EmulatorURL() + "/v1.0", s.HTTPURL(), "Graph emulator",
		s.WebhookURL(), s.GeneratedWebhookSecret()} {
		require.Contains(t, banner, want)
	}
	s.Stop()

	// Restart on the same file: the workflow's history is still there.
	s, err = Start(ctx, devConfig(dir), log)
	require.NoError(t, err)
	defer s.Stop()
	desc, err := s.Client().DescribeWorkflowExecution(ctx, "check-tenant/e2e", "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	iter := s.Client().GetWorkflowHistory(ctx, "check-tenant/e2e", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	events := 0
	for iter.HasNext() {
		_, err := iter.Next()
		require.NoError(t, err)
		events++
	}
	require.Greater(t, events, 5)
	// And the restarted stack still runs workflows.
	require.True(t, checkTenant(t, s.Client(), "check-tenant/after-restart").Ready)
}

func TestConfigurationsThatMustNotStart(t *testing.T) {
	cluster := Config{Temporal: tcfg()}
	cluster.Temporal.Address = "temporal.example:7233"
	err := cluster.Check()
	require.ErrorContains(t, err, "no Microsoft Graph is configured")
	require.ErrorContains(t, err, "AZURE_TENANT_ID")
	require.ErrorContains(t, err, "TAPFLOW_ALLOW_EMULATOR")

	cluster.AllowEmulator = true
	require.ErrorContains(t, cluster.Check(), "TAPFLOW_ENCRYPTION_KEYS", "payloads are encrypted by default on a cluster")
	cluster.Temporal.NoEncryption = true
	require.NoError(t, cluster.Check())

	partial := Config{Temporal: tcfg()}
	partial.Graph.TenantID = "t"
	require.Equal(t, GraphEntra, partial.Mode())
	require.ErrorContains(t, partial.Check(), "AZURE_CLIENT_ID")

	endpoint := Config{Temporal: tcfg()}
	endpoint.Graph.BaseURL = "http://127.0.0.1:8089/v1.0"
	require.ErrorContains(t, endpoint.Check(), "TAPFLOW_GRAPH_STATIC_TOKEN")

	slow := Config{Temporal: tcfg()}
	slow.Journey.Settings.PollInterval, slow.Journey.Settings.PollSlowInterval = time.Minute, 30*time.Second
	require.ErrorContains(t, slow.Check(), "TAPFLOW_POLL_SLOW_INTERVAL=30s is shorter than TAPFLOW_POLL_INTERVAL=1m0s")

	sameEncode := Config{Temporal: tcfg(), CodecToken: strings.Repeat("c", 32), CodecEncodeToken: strings.Repeat("c", 32)}
	require.ErrorContains(t, sameEncode.Check(), "TAPFLOW_CODEC_ENCODE_TOKEN must be at least 32 characters and differ")

	pg := Config{Temporal: tcfg(), DevPostgres: "postgres://tap:s3cret@db.internal"}
	err = pg.Check()
	require.ErrorContains(t, err, "TAPFLOW_DEV_POSTGRES: want postgres://")
	require.NotContains(t, err.Error(), "s3cret", "a password never reaches an error")
}

func TestBusyPortNamesTheFlag(t *testing.T) {
	dir := t.TempDir()
	first, err := Start(context.Background(), Config{Temporal: tcfg(), DevTemporalAddress: "127.0.0.1:0",
		EmulatorAddress: "127.0.0.1:0", HTTPAddress: "127.0.0.1:0", InMemory: true, DataDir: dir,
		Journey: JourneyConfig{Settings: activities.JoinerSettings{Channel: activities.ChannelManagerMail}}},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer first.Stop()
	cfg := devConfig(dir)
	cfg.HTTPAddress = strings.TrimPrefix(first.HTTPURL(), "http://")
	_, err = Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "--http-address")
	cfg = devConfig(dir)
	cfg.DevTemporalAddress = first.TemporalAddress()
	_, err = Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, "--dev-temporal-address")
}

// postSigned posts a signed body to the webhook and returns the status.
func postSigned(t *testing.T, url, secret, body string) int {
	t.Helper()
	req, err := whtest.Request(url, secret, body)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
