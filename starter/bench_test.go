//go:build !nodev

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBenchCommand(t *testing.T) {
	code, _, stderr := runStarter(t, []string{"bench", "--joiners", "0"}, map[string]string{})
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--joiners must be at least 1")
	code, _, stderr = runStarter(t, []string{"bench", "--rounds", "0"}, map[string]string{})
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--rounds must be at least 1")
	code, _, stderr = runStarter(t, []string{"bench", "--worker-env", "GOGC"}, map[string]string{})
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `--worker-env "GOGC": want KEY=VALUE`)
	code, _, stderr = runStarter(t, []string{"bench", "--worker-binary", "/bin/true"}, map[string]string{})
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "the worker process exited", "a binary that is no worker is caught at its start")
	code, _, stderr = runStarter(t, []string{"bench", "--worker-binary", filepath.Join(t.TempDir(), "missing")}, map[string]string{})
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "worker binary")
	require.Contains(t, stderr, "missing")

	path := filepath.Join(t.TempDir(), "bench.json")
	code, out, stderr := runStarter(t, []string{"bench", "--joiners", "3", "--waiting", "2", "--poll-interval", "1s",
		"--poll-rounds", "2", "--offered-rate", "3", "--offered-seconds", "1", "--adaptive", "0", "--sqlite", "--json", path}, map[string]string{})
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "ratio tapflow/baseline")
	require.Contains(t, out, "tapflow-worker", "the production worker, built with -tags nodev, is measured")
	require.Contains(t, out, "polls per waiting joiner per hour")
	require.Contains(t, out, "worker process RSS with 2 joiners waiting")
	require.Contains(t, out, "intake to delivered at 3 joiners/s offered (3)")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), `"polls_per_waiting_joiner_hour"`)
}
