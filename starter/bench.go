//go:build !nodev

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/bench"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/logging"
)

// newBenchCmd runs the benchmark on its own embedded server and emulator.
func newBenchCmd(a *app) *cobra.Command {
	var (
		o       bench.Options
		jsonOut string
		sqlite  bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure tapflow against a no-op baseline on an embedded Temporal server and the Graph emulator",
		Long: `Starts its own embedded Temporal server and Graph emulator in this process (nothing else needs to run),
then measures: a baseline of no-op workflows with a joiner's activity round trips; N joiners from intake to
delivered pass and, after a simulated registration, to revoked pass (throughput, ratio to the baseline, latency
percentiles, Graph requests and history events per joiner, process RSS); and K joiners waiting to register for
a number of poll intervals (Graph polls per waiting joiner per hour, RSS while waiting). RSS is the whole
process: server, emulator and workers.`,
		Example: "  go run ./starter bench\n  go run ./starter bench --joiners 200 --waiting 500 --json bench.json",
		Args:    cobra.NoArgs,
	}
	f := cmd.Flags()
	f.IntVar(&o.Joiners, "joiners", 1000, "joiners taken from intake to revoked pass")
	f.IntVar(&o.Waiting, "waiting", 5000, "joiners left waiting while their polls are counted (0: skip)")
	f.DurationVar(&o.PollInterval, "poll-interval", time.Minute, "registration poll interval (the production default)")
	f.IntVar(&o.PollRounds, "poll-rounds", 3, "poll intervals to watch the waiting joiners for")
	f.DurationVar(&o.Timeout, "timeout", 20*time.Minute, "bound on the whole run")
	f.BoolVar(&sqlite, "sqlite", false, "keep the server's state in a temporary SQLite file instead of memory")
	f.StringVar(&o.Postgres, "postgres", "", "keep the server's state in PostgreSQL instead (a server's DSN, e.g. "+
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable): a fresh database, dropped after the run")
	f.IntVar(&o.Shards, "history-shards", 1, "the server's history shards")
	f.StringVar(&jsonOut, "json", "", "also write the figures as a JSON object to this file")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.set.ApplyEnv(a.env); err != nil {
			return cliconf.Usage(err)
		}
		switch {
		case o.Joiners < 1:
			return cliconf.Usage(fmt.Errorf("--joiners must be at least 1"))
		case o.Waiting < 0:
			return cliconf.Usage(fmt.Errorf("--waiting must not be negative"))
		case o.PollInterval < time.Second:
			return cliconf.Usage(fmt.Errorf("--poll-interval must be at least 1s"))
		case o.PollRounds < 1:
			return cliconf.Usage(fmt.Errorf("--poll-rounds must be at least 1"))
		case o.Shards < 1:
			return cliconf.Usage(fmt.Errorf("--history-shards must be at least 1"))
		case sqlite && o.Postgres != "":
			return cliconf.Usage(fmt.Errorf("--sqlite and --postgres: choose one store"))
		}
		log, err := logging.New(a.stderr, "info", a.format)
		if err != nil {
			return cliconf.Usage(err)
		}
		if sqlite {
			dir, err := os.MkdirTemp("", "tapflow-bench-")
			if err != nil {
				return fmt.Errorf("temporary directory: %w", err)
			}
			defer os.RemoveAll(dir)
			o.DataDir = dir
		}
		res, err := bench.Run(a.ctx, o, log)
		if err != nil {
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
