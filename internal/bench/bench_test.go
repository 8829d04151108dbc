package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestASmallRunMeasuresEverything runs the benchmark small: every figure is measured (not zero) and the JSON
// has the published keys. It asserts no speed: numbers come from real runs, as ratios.
func TestASmallRunMeasuresEverything(t *testing.T) {
	res, err := Run(context.Background(), Options{Joiners: 8, Waiting: 6, PollInterval: time.Second, PollRounds: 3,
		Timeout: 3 * time.Minute}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Positive(t, res.BaselineWPS)
	require.Positive(t, res.JoinerWPS)
	require.Positive(t, res.Ratio)
	require.Positive(t, res.DeliveredP99ms)
	require.LessOrEqual(t, res.DeliveredP50ms, res.DeliveredP99ms)
	require.GreaterOrEqual(t, res.ActivitiesToDelivery, 2, "pre-flight and issue-and-deliver at least")
	require.InDelta(t, 1.0, res.GraphRequestsByKind[kindMail], 0.001, "one mail per joiner")
	require.InDelta(t, 1.0, res.GraphRequestsByKind[kindRevoked], 0.001, "one revoke per joiner")
	require.Positive(t, res.HistoryEventsPerJoiner)
	require.Positive(t, res.PollsPerWaitingJoinerHour)
	require.Positive(t, res.RSSMiBPeak)

	var table bytes.Buffer
	res.WriteTable(&table)
	t.Log("\n" + table.String())
	require.Contains(t, table.String(), "ratio tapflow/baseline")
	path := filepath.Join(t.TempDir(), "bench.json")
	require.NoError(t, res.WriteJSON(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(data, &keys))
	for _, k := range []string{"baseline_wps", "joiner_wps", "ratio", "delivered_p50_ms", "delivered_p95_ms", "delivered_p99_ms",
		"graph_requests_per_joiner", "history_events_per_joiner", "rss_mib_peak", "rss_mib_waiting", "polls_per_waiting_joiner_hour"} {
		require.Contains(t, keys, k)
	}
}
