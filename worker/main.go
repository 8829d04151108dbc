// Command worker runs tapflow's Temporal workers. With no configuration it runs the whole dev stack in one
// process: an embedded Temporal server and Web UI, the Graph emulator with a demo directory, the health and
// metrics endpoint, and the workers. With TEMPORAL_ADDRESS it joins that cluster; with Entra credentials it
// talks to real Microsoft Graph.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/logging"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/tracing"
)

func main() {
	runBenchModeIfAsked() // `starter bench` starts this binary (built with -tags bench) as its worker process
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run is main without the process: the tests call it with their own arguments, streams and environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	return cliconf.Execute(newRoot(ctx, stdout, stderr, env), args, stderr, "tapflow worker")
}

func newRoot(ctx context.Context, stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	var cfg stack.Config
	root := &cobra.Command{
		Use:   "worker",
		Short: "Run tapflow's Temporal workers (with no configuration: the whole dev stack)",
		Long: `Runs tapflow's Temporal workers.

With no configuration it starts the dev stack in one process: a real Temporal server on SQLite
(./.tapflow/temporal.db) at 127.0.0.1:7233, the Temporal Web UI at http://127.0.0.1:8233, the Graph
emulator with a demo directory at http://127.0.0.1:8089, and health and metrics at http://127.0.0.1:9090.

Every flag can also be set by the environment variable shown beside it; a flag wins over the variable.
TEMPORAL_ADDRESS joins a Temporal cluster instead of the embedded server. Entra settings (AZURE_TENANT_ID,
AZURE_CLIENT_ID and a credential) use real Microsoft Graph instead of the emulator. OTEL_EXPORTER_OTLP_ENDPOINT
(an OTLP/gRPC collector, e.g. http://otel-collector:4317) turns on tracing; OTEL_SERVICE_NAME defaults to
tapflow-worker.`,
		Example: `  go run ./worker                                   # the dev stack
  go run ./worker --in-memory --ui-address 127.0.0.1:18233
  TEMPORAL_ADDRESS=temporal:7233 AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... go run ./worker`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
	}
	set := cliconf.New(root.Flags())
	stack.Bind(set, &cfg)
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cliconf.Usage(err) })
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := set.ApplyEnv(env); err != nil {
			return cliconf.Usage(err)
		}
		cfg.Journey.PollIntervalSet = set.Changed("poll-interval")
		cfg.AuditLog = stderr
		log, err := logging.New(stderr, cfg.LogLevel, cfg.LogFormat)
		if err != nil {
			return cliconf.Usage(err)
		}
		if err := cfg.Check(); err != nil {
			return cliconf.Usage(err)
		}
		tc, err := tracing.FromEnv(env, "tapflow-worker")
		if err != nil {
			return cliconf.Usage(err)
		}
		if cfg.Tracing, err = tracing.Start(ctx, tc); err != nil {
			return err
		}
		defer shutdownTracing(cfg.Tracing, log)
		s, err := stack.Start(ctx, cfg, log)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, s.Banner())
		<-ctx.Done()
		log.Info("stopping: draining workers, then closing the servers")
		s.Stop()
		log.Info("stopped")
		return nil
	}
	root.AddCommand(newEmulatorCmd(ctx, stdout, stderr, env), newHREmulatorCmd(ctx, stdout, stderr, env), newDoctorCmd(ctx, stdout, stderr, env))
	return root
}

// shutdownTracing flushes the spans still buffered when the process stops (tracing off: nothing to do).
func shutdownTracing(t *tracing.Tracing, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.Shutdown(ctx); err != nil {
		log.Warn("spans not flushed", "err", err)
	}
}
