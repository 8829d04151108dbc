package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/webhook/whtest"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// post sends a signed event.
func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	req, err := whtest.Request(url, testSecret, body)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// serve runs `starter serve` until the returned stop is called; stop returns the exit code.
func serve(t *testing.T, env map[string]string) (url string, stop func() int) {
	t.Helper()
	addr := testkit.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb testkit.Buffer
	done := make(chan int, 1)
	if _, set := env["TAPFLOW_METRICS_ADDRESS"]; !set {
		env["TAPFLOW_METRICS_ADDRESS"] = testkit.FreeAddr(t) // the caller reads it back from env
	}
	if _, set := env["TAPFLOW_NO_ENCRYPTION"]; !set {
		env["TAPFLOW_NO_ENCRYPTION"] = "true"
	}
	go func() {
		done <- run(ctx, []string{"serve", "--webhook-address", addr}, &out, &errb, testkit.Env(env))
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "HR webhook on") }, 10*time.Second, 20*time.Millisecond,
		"stderr: %s", errb.String())
	return "http://" + addr + "/v1/events", func() int { cancel(); return <-done }
}

func TestServeHandsSignedEventsToTemporal(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_WEBHOOK_SECRET": testSecret}
	url, stop := serve(t, env)
	body := `{"id":"evt-serve-1","type":"hire","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":"E1001",` +
		`"user":"ada.lovelace@contoso.example","time_zone":"Europe/London","start_date":"2031-01-06"}}`
	require.Equal(t, http.StatusAccepted, post(t, url, body).StatusCode)
	require.Equal(t, http.StatusOK, post(t, url, body).StatusCode)
	unsigned, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	unsigned.Body.Close()
	require.Equal(t, http.StatusUnauthorized, unsigned.StatusCode)

	// The receiver serves its own metrics, on their own address (never the public webhook listener): deliveries
	// by status, and the Temporal client's series.
	public, err := http.Get(strings.TrimSuffix(url, "/v1/events") + "/metrics")
	require.NoError(t, err)
	public.Body.Close()
	require.Equal(t, http.StatusNotFound, public.StatusCode, "no metrics on the webhook listener")
	metrics := getText(t, "http://"+env["TAPFLOW_METRICS_ADDRESS"]+"/metrics")
	require.Contains(t, metrics, `tapflow_webhook_requests_total{status="202"} 1`)
	require.Contains(t, metrics, `tapflow_webhook_requests_total{status="200"} 1`)
	require.Contains(t, metrics, `tapflow_webhook_requests_total{status="401"} 1`)
	require.Contains(t, metrics, "temporal_request_total{")
	require.NotContains(t, metrics, "ada.lovelace")
	require.NotContains(t, metrics, "E1001")
	require.Equal(t, 0, stop())
	code, out, _ := runStarter(t, []string{"status", "E1001"}, map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()})
	require.Equal(t, 0, code)
	require.Contains(t, out, "hire                   accepted")
}

func TestServeAnswers503WhileTemporalIsDown(t *testing.T) {
	url, stop := serve(t, map[string]string{"TEMPORAL_ADDRESS": testkit.FreeAddr(t), "TAPFLOW_WEBHOOK_SECRET": testSecret})
	defer stop()
	resp := post(t, url, `{"id":"e1","type":"rescind","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":"E1"}}`)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "5", resp.Header.Get("Retry-After"))
}

func TestServeNeedsASecret(t *testing.T) {
	code, _, stderr := runStarter(t, []string{"serve"}, nil)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "TAPFLOW_WEBHOOK_SECRET")
}

func TestTenConcurrentDuplicatesHaveOneEffect(t *testing.T) {
	s := startStack(t)
	url, stop := serve(t, map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_WEBHOOK_SECRET": testSecret})
	defer stop()
	body := `{"id":"evt-burst","type":"hire","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":"E3001",` +
		`"user":"ada.lovelace@contoso.example","time_zone":"Europe/London","start_date":"2031-01-06"}}`
	codes := make(chan int, 10)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- post(t, url, body).StatusCode }()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	require.Equal(t, map[int]int{http.StatusAccepted: 1, http.StatusOK: 9}, count)
	_, out, _ := runStarter(t, []string{"status", "E3001", "--json"}, map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()})
	require.Equal(t, 1, strings.Count(out, `"id": "evt-burst"`), "applied once")
}

func TestARestartedReceiverLosesNothingThatGotA2xx(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_WEBHOOK_SECRET": testSecret}
	hire := func(n int) string {
		return fmt.Sprintf(`{"id":"evt-stream-%d","type":"hire","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":"E40%02d",`+
			`"user":"ada.lovelace@contoso.example","time_zone":"Europe/London","start_date":"2031-01-06"}}`, n, n)
	}
	var acked []int
	url, stop := serve(t, env)
	for n := 1; n <= 10; n++ {
		if n == 6 { // restart mid-stream
			require.Equal(t, 0, stop())
			url, stop = serve(t, env)
		}
		if post(t, url, hire(n)).StatusCode/100 == 2 {
			acked = append(acked, n)
		}
	}
	require.Equal(t, 0, stop())
	require.Len(t, acked, 10)
	for _, n := range acked {
		code, out, _ := runStarter(t, []string{"status", fmt.Sprintf("E40%02d", n)}, map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()})
		require.Equal(t, 0, code)
		require.Contains(t, out, "hire                   accepted")
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}
