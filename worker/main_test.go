package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
)

func runWorker(t *testing.T, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, testkit.Env(env))
	return code, out.String(), errb.String()
}

func TestBadSettingsStopAtStartWithOneLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"bad flag value", []string{"--log-level", "loud"}, nil, []string{"--log-level", "want one of debug, info, warn, error"}},
		{"unknown flag", []string{"--nope"}, nil, []string{"unknown flag: --nope"}},
		{"bad env value", nil, map[string]string{"TAPFLOW_HTTP_ADDRESS": "localhost"}, []string{"TAPFLOW_HTTP_ADDRESS", "want host:port"}},
		{"bad credential kind", nil, map[string]string{"TAPFLOW_GRAPH_CREDENTIAL": "password"}, []string{"TAPFLOW_GRAPH_CREDENTIAL", "client-secret"}},
		{"cluster without Graph", nil, map[string]string{"TEMPORAL_ADDRESS": "temporal.example:7233"},
			[]string{"no Microsoft Graph is configured", "AZURE_TENANT_ID", "TAPFLOW_ALLOW_EMULATOR"}},
		{"partial Entra settings", nil, map[string]string{"AZURE_TENANT_ID": "t"},
			[]string{"AZURE_CLIENT_ID", "one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE"}},
		{"tracing over OTLP/HTTP", nil, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, []string{"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "OTLP/gRPC"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runWorker(t, c.args, c.env)
			require.Equal(t, 2, code, stderr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			require.True(t, strings.HasPrefix(stderr, "tapflow worker: "), stderr)
			for _, w := range c.want {
				require.Contains(t, stderr, w)
			}
		})
	}
}

func TestBusyPortNamesThePortAndTheFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	code, _, stderr := runWorker(t, []string{"--in-memory", "--emulator-address", l.Addr().String(),
		"--dev-temporal-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0", "--webhook-address", "127.0.0.1:0"}, nil)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, l.Addr().String())
	require.Contains(t, stderr, "--emulator-address")
}

func TestHelpNamesEveryVariable(t *testing.T) {
	code, out, _ := runWorker(t, []string{"--help"}, nil)
	require.Equal(t, 0, code)
	for _, v := range []string{"$TEMPORAL_ADDRESS", "$TAPFLOW_UI_ADDRESS", "$TAPFLOW_EMULATOR_ADDRESS", "$TAPFLOW_HTTP_ADDRESS",
		"$AZURE_TENANT_ID", "$AZURE_CLIENT_SECRET", "$TAPFLOW_GRAPH_URL", "$TAPFLOW_GRAPH_STATIC_TOKEN", "Example"} {
		require.Contains(t, out, v)
	}
}

func TestDevStackStartsPrintsWhatRunsWhereAndStopsCleanly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb testkit.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", t.TempDir(), "--dev-temporal-address", "127.0.0.1:0",
			"--ui-address", "127.0.0.1:0", "--emulator-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0",
			"--webhook-address", "127.0.0.1:0"},
			&out, &errb, testkit.Env(nil))
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Stop with Ctrl-C") }, time.Minute, 50*time.Millisecond,
		"stderr: %s", errb.String())
	for _, part := range []string{"Temporal server", "Temporal Web UI", "Graph emulator", "HR webhook", "generated secret whsec_",
		"Health, metrics", "go run ./starter hire"} {
		require.Contains(t, out.String(), part)
	}
	cancel() // what SIGINT does
	select {
	case code := <-done:
		require.Equal(t, 0, code, errb.String())
	case <-time.After(time.Minute):
		t.Fatal("the worker did not stop")
	}
	require.Contains(t, errb.String(), "stopped")
}
