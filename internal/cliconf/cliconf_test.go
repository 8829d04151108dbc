package cliconf

import (
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/testkit"
)

func newSet() (*Set, *pflag.FlagSet) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	return New(fs), fs
}

func TestEnvName(t *testing.T) {
	require.Equal(t, "TEMPORAL_ADDRESS", EnvName("temporal-address"))
	require.Equal(t, "AZURE_TENANT_ID", EnvName("azure-tenant-id"))
	require.Equal(t, "TAPFLOW_GRAPH_URL", EnvName("graph-url"))
}

func TestFlagBeatsEnvAndEnvBeatsDefault(t *testing.T) {
	s, fs := newSet()
	var a, b string
	var d time.Duration
	var on bool
	s.String(&a, "graph-url", "def", "u")
	s.Addr(&b, "http-address", "127.0.0.1:9090", "h")
	s.Duration(&d, "poll", time.Second, "p")
	s.Bool(&on, "in-memory", false, "m")
	require.NoError(t, fs.Parse([]string{"--graph-url", "flag"}))
	require.NoError(t, s.ApplyEnv(testkit.Env(map[string]string{
		"TAPFLOW_GRAPH_URL": "env", "TAPFLOW_HTTP_ADDRESS": "0.0.0.0:1", "TAPFLOW_POLL": "2m", "TAPFLOW_IN_MEMORY": "true",
	})))
	require.Equal(t, "flag", a)
	require.Equal(t, "0.0.0.0:1", b)
	require.Equal(t, 2*time.Minute, d)
	require.True(t, on)
	require.Contains(t, fs.Lookup("graph-url").Usage, "$TAPFLOW_GRAPH_URL")
}

func TestBadValuesNameTheVariableAndTheAcceptedValues(t *testing.T) {
	s, fs := newSet()
	var level, addr string
	s.Enum(&level, "log-level", "info", []string{"debug", "info"}, "l")
	s.Addr(&addr, "http-address", "127.0.0.1:9090", "h")
	require.NoError(t, fs.Parse(nil))
	err := s.ApplyEnv(testkit.Env(map[string]string{"TAPFLOW_LOG_LEVEL": "loud"}))
	require.EqualError(t, err, `invalid TAPFLOW_LOG_LEVEL="loud": want one of debug, info`)

	s, fs = newSet()
	s.Addr(&addr, "http-address", "127.0.0.1:9090", "h")
	err = fs.Parse([]string{"--http-address", "nope"})
	require.ErrorContains(t, err, "http-address")
	require.ErrorContains(t, err, "want host:port")

	s, fs = newSet()
	s.Addr(&addr, "http-address", "127.0.0.1:9090", "h")
	require.NoError(t, fs.Parse(nil))
	require.ErrorContains(t, s.ApplyEnv(testkit.Env(map[string]string{"TAPFLOW_HTTP_ADDRESS": "h:99999"})), "0 to 65535")
}
