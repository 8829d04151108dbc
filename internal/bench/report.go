package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"text/tabwriter"
)

// WriteTable prints the result for a terminal.
func (r Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "machine\t%s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(tw, "Temporal store\t%s, %d history shard(s)\n", r.Store, r.HistoryShards)
	fmt.Fprintf(tw, "baseline (%d no-op workflows, %d activities each)\t%.1f workflows/s\n", r.Joiners, r.ActivitiesToDelivery, r.BaselineWPS)
	fmt.Fprintf(tw, "tapflow (%d joiners, intake to delivered)\t%.1f joiners/s\n", r.Joiners, r.JoinerWPS)
	fmt.Fprintf(tw, "ratio tapflow/baseline\t%.2f\n", r.Ratio)
	fmt.Fprintf(tw, "registration to revoked\t%.1f joiners/s\n", r.JoinerToRevokeWPS)
	fmt.Fprintf(tw, "intake to delivered p50 / p95 / p99\t%.0f / %.0f / %.0f ms\n", r.DeliveredP50ms, r.DeliveredP95ms, r.DeliveredP99ms)
	fmt.Fprintf(tw, "Graph requests per joiner (without registration polls)\t%.2f\n", r.GraphRequestsPerJoiner)
	fmt.Fprintf(tw, "registration polls per joiner (until registered)\t%.2f\n", r.PollRequestsPerJoiner)
	fmt.Fprintf(tw, "Graph requests per joiner by call (polls included):\t\n")
	kinds := make([]string, 0, len(r.GraphRequestsByKind))
	for k := range r.GraphRequestsByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(tw, "  %s\t%.2f\n", k, r.GraphRequestsByKind[k])
	}
	fmt.Fprintf(tw, "history events per joiner\t%.1f\n", r.HistoryEventsPerJoiner)
	fmt.Fprintf(tw, "process RSS peak (server, emulator and worker)\t%.0f MiB\n", r.RSSMiBPeak)
	if r.Waiting > 0 {
		fmt.Fprintf(tw, "process RSS with %d joiners waiting\t%.0f MiB\n", r.Waiting, r.RSSMiBWaiting)
		fmt.Fprintf(tw, "polls per waiting joiner per hour\t%.0f\n", r.PollsPerWaitingJoinerHour)
	}
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
