package stack

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/secretscan"
)

// clientHistoryJSON is a workflow's whole history as the Temporal CLI would export it.
func clientHistoryJSON(t *testing.T, c client.Client, id string) []byte {
	t.Helper()
	h := historyOf(t, c, id)
	require.Greater(t, len(h.Events), 10)
	data, err := temporalproto.CustomJSONMarshalOptions{}.Marshal(h)
	require.NoError(t, err)
	return data
}

// metricsText is what the worker's /metrics endpoint serves.
func metricsText(t *testing.T, httpURL string) []byte {
	t.Helper()
	resp, err := http.Get(httpURL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// addDatabase adds the SQLite database (and its write-ahead log) in dir to sources. Call it after the stack
// stopped, so that everything it wrote is on disk.
func addDatabase(t *testing.T, sources map[string][]byte, dir string) {
	t.Helper()
	files, err := secretscan.Files(filepath.Join(dir, "temporal.db"), filepath.Join(dir, "temporal.db-wal"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "the database is on disk")
	for k, v := range files {
		sources[k] = v
	}
}

// requireNoPasses fails the test if any pass the emulator issued appears in any source.
func requireNoPasses(t *testing.T, passes []string, sources map[string][]byte) {
	t.Helper()
	require.NotEmpty(t, passes, "the test issued passes to look for")
	require.Empty(t, secretscan.Scan(passes, sources), "a pass leaked")
}
