package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// startStack runs an in-memory dev stack for the starter to talk to.
func startStack(t *testing.T, adjust ...func(*stack.Config)) *stack.Stack {
	t.Helper()
	cfg := stack.Config{
		Temporal:           temporalclient.Config{Namespace: "default"},
		DevTemporalAddress: "127.0.0.1:0",
		EmulatorAddress:    "127.0.0.1:0",
		HTTPAddress:        "127.0.0.1:0",
		InMemory:           true,
		Journey:            stack.JourneyConfig{Settings: activities.JoinerSettings{Channel: activities.ChannelManagerMail}},
	}
	for _, f := range adjust {
		f(&cfg)
	}
	s, err := stack.Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

func runStarter(t *testing.T, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if _, ok := env["TEMPORAL_ADDRESS"]; ok {
		if _, set := env["TAPFLOW_NO_ENCRYPTION"]; !set {
			env["TAPFLOW_NO_ENCRYPTION"] = "true" // the test stacks run plain, unless a test says otherwise
		}
	}
	code := run(context.Background(), args, &out, &errb, testkit.Env(env))
	return code, out.String(), errb.String()
}

func TestCheckTenantAgainstTheDevStack(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()}

	code, out, stderr := runStarter(t, []string{"check-tenant"}, env)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "TAP policy: enabled=true length=8 lifetime default=60 min=60 max=480 minutes")
	require.Contains(t, out, "Ready: tapflow can issue passes")

	code, out, stderr = runStarter(t, []string{"check-tenant", "--json"}, env)
	require.Equal(t, 0, code, stderr)
	var report workflows.TenantReport
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	require.True(t, report.Ready)

	// A disabled policy is a problem with a fix, and exit code 1.
	req, _ := http.NewRequest(http.MethodPut, s.EmulatorURL()+"/_emulator/policy", strings.NewReader(
		`{"state":"disabled","defaultLength":8,"defaultLifetimeInMinutes":60,"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,"includeTargets":[{"targetType":"group","id":"all_users"}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	code, out, stderr = runStarter(t, []string{"check-tenant"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, out, "PROBLEM: the Temporary Access Pass method is disabled")
	require.Contains(t, stderr, "not ready")
}

func TestStarterUsageErrors(t *testing.T) {
	code, _, stderr := runStarter(t, []string{"check-tenant", "--bogus"}, nil)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "unknown flag: --bogus")

	code, _, stderr = runStarter(t, []string{"check-tenant"}, map[string]string{"TAPFLOW_LOG_LEVEL": "chatty"})
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `invalid TAPFLOW_LOG_LEVEL="chatty": want one of debug, info, warn, error`)

	code, _, stderr = runStarter(t, []string{"check-tenant"}, map[string]string{"TEMPORAL_TLS_CERT": "/x.pem"})
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together")

	code, out, _ := runStarter(t, []string{"check-tenant", "--help"}, nil)
	require.Equal(t, 0, code)
	require.Contains(t, out, "Example")
	require.Contains(t, out, "$TEMPORAL_ADDRESS")
}
