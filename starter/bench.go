//go:build !nodev

package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/bench"
	"github.com/tapflow/tapflow/internal/benchworker"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/logging"
)

// runBenchWorkerIfAsked runs the benchmark's worker process when this process is one (bench --worker-binary self).
func runBenchWorkerIfAsked() { benchworker.RunIfAsked() }

// newBenchCmd runs the benchmark on its own embedded server and emulator.
func newBenchCmd(a *app) *cobra.Command {
	var (
		o         bench.Options
		jsonOut   string
		sqlite    bool
		workerEnv []string
	)
	const self = "self"
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure tapflow against a no-op baseline on an embedded Temporal server and the Graph emulator",
		Long: `Starts its own embedded Temporal server and Graph emulator in this process, and tapflow's workers in a child
process with the production defaults (nothing else needs to run), then measures: N joiners started at once from
intake to delivered pass and, after a simulated registration, to revoked pass (throughput; Graph requests and
history events per joiner; worker RSS); a baseline of N no-op workflows with a joiner's activity round trips on
the same worker process (the ratio); intake-to-delivered latency at an offered load; K joiners waiting to
register for a number of poll intervals (Graph polls per waiting joiner per hour, worker RSS, history growth);
and the adaptive poll schedule on a compressed clock (polls per joiner per hour over a pass's life, fixed
against adaptive).`,
		Example: "  go run ./starter bench\n  go run ./starter bench --joiners 200 --waiting 500 --json bench.json",
		Args:    cobra.NoArgs,
	}
	f := cmd.Flags()
	f.IntVar(&o.Joiners, "joiners", 1000, "joiners started at once, from intake to revoked pass (throughput)")
	f.Float64Var(&o.OfferedRate, "offered-rate", 10, "joiners per second offered for the latency measurement (0: skip)")
	f.IntVar(&o.OfferedSeconds, "offered-seconds", 30, "how long the offered load lasts")
	f.IntVar(&o.Adaptive, "adaptive", 120, "joiners for the adaptive poll schedule's measurement, all issued within its first 16 s (0: skip)")
	f.IntVar(&o.Pickup, "pickup", 200, "joiners through the pickup link: invitation, reveal, registration, revoke (0: skip)")
	f.IntVar(&o.Waiting, "waiting", 5000, "joiners left waiting while their polls are counted (0: skip)")
	f.BoolVar(&o.Watch, "watch", true, "also take --waiting joiners to their wait with the tenant watch, in a namespace and worker of "+
		"their own, and compare (reads per hour, server CPU, registration to revoke through the logs' delay)")
	f.DurationVar(&o.PollInterval, "poll-interval", time.Minute, "registration poll interval (the production default)")
	f.IntVar(&o.Rounds, "rounds", 1, "throughput rounds, each --joiners joiners at once then a baseline; the ratio is their median "+
		"(3 for a steady figure on a shared machine)")
	f.IntVar(&o.PollRounds, "poll-rounds", 1, "poll intervals to watch the waiting joiners for (each polls once an interval; 10 for the long version)")
	f.DurationVar(&o.Timeout, "timeout", 40*time.Minute, "bound on the whole run")
	f.BoolVar(&sqlite, "sqlite", false, "keep the server's state in a temporary SQLite file instead of memory")
	f.StringVar(&o.Postgres, "postgres", "", "keep the server's state in PostgreSQL instead (a server's DSN, e.g. "+
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable): a fresh database, dropped after the run")
	f.IntVar(&o.Shards, "history-shards", 1, "the server's history shards")
	f.StringVar(&o.ProfileDir, "cpuprofile-dir", "", "write CPU profiles there: server.pprof (server, emulator, client) and worker-N.pprof "+
		"(go tool pprof -top FILE)")
	f.StringArrayVar(&workerEnv, "worker-env", nil, "KEY=VALUE: a setting for the worker processes, as their environment "+
		"(TAPFLOW_WORKFLOW_CACHE_SIZE=2000, GOGC=200, ...); repeat it for more")
	f.StringVar(&jsonOut, "json", "", "also write the figures as a JSON object to this file")
	f.StringVar(&o.WorkerBinary, "worker-binary", "", "the worker executable to measure; by default ./worker is built with -tags "+bench.WorkerTags+
		" into a temporary directory: as the production images build it (nodev) plus the benchmark's worker mode (bench); '"+
		self+"' runs this binary instead (it links the embedded server, so its memory is higher)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.set.ApplyEnv(a.env); err != nil {
			return cliconf.Usage(err)
		}
		switch {
		case o.Joiners < 1:
			return cliconf.Usage(fmt.Errorf("--joiners must be at least 1"))
		case o.OfferedRate < 0 || o.OfferedSeconds < 0 || o.Adaptive < 0 || o.Pickup < 0:
			return cliconf.Usage(fmt.Errorf("--offered-rate, --offered-seconds, --adaptive and --pickup must not be negative"))
		case o.Waiting < 0:
			return cliconf.Usage(fmt.Errorf("--waiting must not be negative"))
		case o.PollInterval < time.Second:
			return cliconf.Usage(fmt.Errorf("--poll-interval must be at least 1s"))
		case o.PollRounds < 1:
			return cliconf.Usage(fmt.Errorf("--poll-rounds must be at least 1"))
		case o.Rounds < 1:
			return cliconf.Usage(fmt.Errorf("--rounds must be at least 1"))
		case o.Shards < 1:
			return cliconf.Usage(fmt.Errorf("--history-shards must be at least 1"))
		case sqlite && o.Postgres != "":
			return cliconf.Usage(fmt.Errorf("--sqlite and --postgres: choose one store"))
		}
		o.WorkerEnv = map[string]string{}
		for _, kv := range workerEnv {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return cliconf.Usage(fmt.Errorf("--worker-env %q: want KEY=VALUE, e.g. --worker-env GOGC=200", kv))
			}
			o.WorkerEnv[k] = v
		}
		log, err := logging.New(a.stderr, "info", a.format)
		if err != nil {
			return cliconf.Usage(err)
		}
		dir, err := os.MkdirTemp("", "tapflow-bench-")
		if err != nil {
			return fmt.Errorf("temporary directory: %w", err)
		}
		defer os.RemoveAll(dir)
		if sqlite {
			o.DataDir = dir
		}
		switch o.WorkerBinary {
		case self:
			o.WorkerBinary = ""
		case "":
			log.Info("building the worker", "package", "./worker", "tags", bench.WorkerTags)
			if o.WorkerBinary, err = bench.BuildWorker(a.ctx, dir); err != nil {
				return fmt.Errorf("benchmark: %w", err)
			}
		}
		res, err := bench.Run(a.ctx, o, log)
		if err != nil {
			if res.BaselineBeforeWPS > 0 { // some phases ran: their figures are not thrown away
				fmt.Fprintln(cmd.OutOrStdout(), "measured before the benchmark failed:")
				res.WriteTable(cmd.OutOrStdout())
			}
			return fmt.Errorf("benchmark: %w", err)
		}
		res.WriteTable(cmd.OutOrStdout())
		if jsonOut != "" {
			return res.WriteJSON(jsonOut)
		}
		return nil
	}
	return cmd
}
