package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the result for a terminal.
func (r Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, v ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, v...)...) }
	row("machine", "%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	row("Temporal store", "%s, %d history shard(s)", r.Store, r.HistoryShards)
	row("worker process", "%s", r.WorkerBinary)
	row(fmt.Sprintf("baseline (%d no-op workflows, %d activities and %d local activities each)", r.Joiners,
		r.ActivitiesToDelivery.Activities, r.ActivitiesToDelivery.Local), "%.1f workflows/s (%.1f before, %.1f after the joiners)",
		r.BaselineWPS, r.BaselineBeforeWPS, r.BaselineAfterWPS)
	row(fmt.Sprintf("tapflow (%d joiners at once, intake to delivered)", r.Joiners), "%.1f joiners/s", r.JoinerWPS)
	if len(r.Ratios) > 1 {
		row("ratio tapflow/baseline", "%.2f (median of %d rounds: %s)", r.Ratio, len(r.Ratios), joinRatios(r.Ratios))
	} else {
		row("ratio tapflow/baseline", "%.2f", r.Ratio)
	}
	row("CPU per workflow, server / worker process: baseline; joiner to delivered", "%.1f / %.1f ms; %.1f / %.1f ms",
		r.BaselineCPU.Server, r.BaselineCPU.Worker, r.JoinerCPU.Server, r.JoinerCPU.Worker)
	row("registration to revoked", "%.1f joiners/s", r.JoinerToRevokeWPS)
	row("intake to delivered, all at once: p50 / p95 / p99 / max", "%.0f / %.0f / %.0f / %.0f ms", r.BurstP50ms, r.BurstP95ms, r.BurstP99ms, r.BurstMaxMs)
	if r.OfferedJoiners > 0 {
		row(fmt.Sprintf("intake to delivered at %.0f joiners/s offered (%d): p50 / p95 / p99", r.OfferedRate, r.OfferedJoiners),
			"%.0f / %.0f / %.0f ms", r.DeliveredP50ms, r.DeliveredP95ms, r.DeliveredP99ms)
	}
	row("Graph requests per joiner (without registration polls)", "%.2f", r.GraphRequestsPerJoiner)
	row("registration polls per joiner (until registered)", "%.2f", r.PollRequestsPerJoiner)
	row("Graph requests per joiner by call (polls included):", "")
	kinds := make([]string, 0, len(r.GraphRequestsByKind))
	for k := range r.GraphRequestsByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		row("  "+k, "%.3f", r.GraphRequestsByKind[k])
	}
	row("history events per joiner", "%.1f", r.HistoryEventsPerJoiner)
	row("worker process RSS peak", "%.0f MiB", r.RSSMiBPeak)
	if r.Waiting > 0 {
		row(fmt.Sprintf("worker process RSS with %d joiners waiting", r.Waiting), "%.0f MiB", r.RSSMiBWaiting)
		row("  of which Go heap in use; goroutines", "%.0f MiB; %.0f", r.HeapMiBWaiting, r.GoroutinesWaiting)
		row("history events added per waiting joiner while waiting", "%.1f", r.HistoryGrowthWaiting)
		row("polls per waiting joiner per hour (first hour)", "%.1f", r.PollsPerWaitingJoinerHour)
		row("CPU per poll while they wait, server / worker process", "%.1f / %.1f ms (%.0f %% first looks, with their timer's workflow task)",
			r.PollCPU.Server, r.PollCPU.Worker, 100*r.FirstLooksInWindow)
	}
	if r.AdaptiveSlowToFast > 0 {
		row("adaptive schedule: slow/fast poll rate, measured", "%.3f", r.AdaptiveSlowToFast)
		row("polls per joiner per hour over an 8 h pass: fixed / adaptive", "%.1f / %.1f", r.PollsFixedLifetimeHour, r.PollsAdaptiveLifetimeHour)
	}
	if r.WatchJoiners > 0 {
		row(fmt.Sprintf("tenant watch, %d waiting: Graph reads per hour, per-user schedule / watch", r.WatchJoiners), "%.0f / %.0f (%.0fx fewer; "+
			"the watch's %.0f measured, the safety net's %.0f at its rate)", r.PerUserReadsPerHour, r.WatchReadsPerHour, r.WatchReadsRatio,
			r.WatchMeasuredReadsPerHour, r.WatchSafetyNetReadsPerHour)
		row("  server CPU per waiting joiner-hour, per-user / watch", "%.1f / %.2f ms (%.0fx lower)", r.PerUserServerCPUPerJoinerHour,
			r.WatchServerCPUPerJoinerHour, r.WatchServerCPURatio)
		row("  worker CPU per waiting joiner-hour with the watch, measured", "%.2f ms", r.WatchMeasuredCPUPerJoinerHour.Worker)
		row("  registration to revoke without the hint (the logs' delay, the interval): p50 / p95", "%.0f / %.0f s", r.WatchRevokeP50s, r.WatchRevokeP95s)
	}
	if r.PickupJoiners > 0 {
		row(fmt.Sprintf("pickup link (%d joiners): Graph requests per joiner up to the reveal", r.PickupJoiners), "%.2f", r.PickupGraphRequestsPerJoiner)
		row(fmt.Sprintf("  the reveal (pass created and shown), %d hires at a time: p50 / p95", revealers), "%.0f / %.0f ms", r.PickupRevealP50ms, r.PickupRevealP95ms)
		row("  a pass's live time, reveal to revoked, registered at once: p50 / p95", "%.0f / %.0f ms", r.PickupLiveP50ms, r.PickupLiveP95ms)
	}
	row("this process RSS peak (server, emulator, client)", "%.0f MiB", r.ServerRSSMiBPeak)
	row("run time", "%.0f s", r.Seconds)
	tw.Flush()
}

// WriteJSON writes the result as one flat JSON object (the by-kind counts nested) to path.
func (r Result) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write --json %s: %w", path, err)
	}
	return nil
}

func joinRatios(v []float64) string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(out, ", ")
}
