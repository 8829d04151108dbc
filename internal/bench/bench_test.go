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
	profiles := t.TempDir()
	res, err := Run(context.Background(), Options{Joiners: 8, OfferedRate: 5, OfferedSeconds: 2, Waiting: 6, PollInterval: time.Second,
		PollRounds: 3, Rounds: 2, Adaptive: 6, AdaptiveTick: time.Second, Pickup: 4, Watch: true, LogDelay: [2]time.Duration{0, time.Second},
		WatchInterval: 10 * time.Second,
		Timeout:       5 * time.Minute, ProfileDir: profiles}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for _, f := range []string{"server.pprof", "worker-1.pprof", "worker-2.pprof", "worker-1-heap.pprof"} {
		st, err := os.Stat(filepath.Join(profiles, f))
		require.NoError(t, err, "the profiles: the server's, the main and the adaptive worker's, the main worker's heap while joiners wait")
		require.Positive(t, st.Size(), f)
	}
	require.Positive(t, res.BaselineWPS)
	require.Positive(t, res.JoinerWPS)
	require.Positive(t, res.Ratio)
	require.Len(t, res.Ratios, 2, "one ratio per throughput round")
	require.InDelta(t, (res.Ratios[0]+res.Ratios[1])/2, res.Ratio, 1e-9, "the rounds' median")
	require.Positive(t, res.DeliveredP99ms)
	require.LessOrEqual(t, res.DeliveredP50ms, res.DeliveredP99ms)
	require.Equal(t, Shape{Activities: 2, Local: 2}, res.ActivitiesToDelivery,
		"pre-flight and issue-and-deliver; the lifecycle and joiner settings (local)")
	require.InDelta(t, 1.0, res.GraphRequestsByKind[kindMail], 0.001, "one mail per joiner")
	require.InDelta(t, 1.0, res.GraphRequestsByKind[kindRevoked], 0.001, "one revoke per joiner")
	require.Positive(t, res.HistoryEventsPerJoiner)
	require.LessOrEqual(t, res.HistoryEventsPerJoiner, 40.0, "a happy-path joiner's history")
	require.InDelta(t, 7.0, res.GraphRequestsPerJoiner, 0.2,
		"user and manager, memberships, the role batch, methods, create, mail, revoke (+ the policy and domains, cached)")
	require.Positive(t, res.PollsPerWaitingJoinerHour)
	require.Positive(t, res.RSSMiBPeak)
	require.Positive(t, res.RSSMiBWaiting)
	require.Positive(t, res.HeapMiBWaiting)
	require.Positive(t, res.GoroutinesWaiting)
	require.Positive(t, res.ServerRSSMiBPeak)
	require.Equal(t, 10, res.OfferedJoiners)
	require.Zero(t, res.HistoryGrowthWaiting, "a waiting joiner's history does not grow with its polls")
	require.Zero(t, res.FirstLooksInWindow, "once their first look is made, waiting joiners run no workflow tasks")
	require.Positive(t, res.AdaptiveSlowToFast)
	require.Less(t, res.AdaptiveSlowToFast, 0.5, "the adaptive schedule polls less once passes are older")
	require.Less(t, res.PollsAdaptiveLifetimeHour, res.PollsFixedLifetimeHour)
	require.Equal(t, 4, res.PickupJoiners)
	require.InDelta(t, 6.0, res.PickupGraphRequestsPerJoiner, 0.6, "up to the reveal: user and manager, memberships, the role batch, "+
		"methods, the invitation and the code (+ the policy and domains, cached)")
	require.Positive(t, res.PickupLiveP50ms)
	require.Equal(t, 6, res.WatchJoiners)
	require.Positive(t, res.WatchMeasuredReadsPerHour, "the watch reads the logs")
	require.Positive(t, res.WatchReadsRatio)
	require.Positive(t, res.WatchRevokeP95s)
	require.Less(t, res.WatchRevokeP95s, 60.0, "registration to revoke through the logs: their delay (1 s here) and an interval (10 s)")

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

func TestMedian(t *testing.T) {
	require.Equal(t, 0.9, median([]float64{0.9}))
	require.Equal(t, 0.9, median([]float64{0.68, 0.97, 0.9}), "one slow round does not decide it")
	require.InDelta(t, 0.85, median([]float64{0.9, 0.8}), 1e-9)
}
