// Command starter is how people and systems hand work to tapflow: the HR webhook receiver, scheduled batches
// and manual commands. It dials Temporal with the same settings as the worker. Today it has the manual
// commands of the joiner journey (hire, status, approve, cancel, reissue) and check-tenant.
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
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/logging"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/internal/tracing"
	"github.com/tapflow/tapflow/workflows"
)

func main() {
	runBenchWorkerIfAsked() // `starter bench` starts this binary again as its worker process
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run is main without the process. Exit codes: 0 done, 1 the operation failed, 2 bad usage or configuration.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	root, a := newRoot(ctx, stdout, stderr, env)
	code := cliconf.Execute(root, args, stderr, "tapflow starter")
	a.shutdownTracing()
	return code
}

// app is what every command shares: the Temporal settings and a way to dial.
type app struct {
	ctx      context.Context
	env      func(string) (string, bool)
	set      *cliconf.Set
	temporal temporalclient.Config
	level    string
	format   string
	stderr   io.Writer
	tracing  *tracing.Tracing // set up by the first clientOptions when OTEL_EXPORTER_OTLP_ENDPOINT is set
	traced   bool             // tracing was set up (or found off)
}

// dial applies the environment and connects; the embedded dev server is the default address.
func (a *app) dial() (client.Client, error) {
	if err := a.set.ApplyEnv(a.env); err != nil {
		return nil, cliconf.Usage(err)
	}
	log, err := logging.New(a.stderr, a.level, a.format)
	if err != nil {
		return nil, cliconf.Usage(err)
	}
	opts, err := a.clientOptions(log)
	if err != nil {
		return nil, err
	}
	return temporalclient.Dial(a.ctx, opts)
}

// clientOptions are the Temporal client options from the flags and environment.
func (a *app) clientOptions(log *slog.Logger) (client.Options, error) {
	cfg := a.temporal
	if cfg.Address == "" {
		cfg.Address, cfg.Dev = "127.0.0.1:7233", true // the dev stack's embedded server
	}
	opts, err := cfg.Options(log)
	if err != nil {
		return opts, cliconf.Usage(err)
	}
	if !a.traced {
		tc, err := tracing.FromEnv(a.env, "tapflow-starter")
		if err != nil {
			return opts, cliconf.Usage(err)
		}
		if a.tracing, err = tracing.Start(a.ctx, tc); err != nil {
			return opts, err
		}
		a.traced = true
	}
	if err := a.tracing.AddTo(&opts); err != nil {
		return opts, err
	}
	return opts, nil
}

// shutdownTracing flushes the command's spans, if tracing is on.
func (a *app) shutdownTracing() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.tracing.Shutdown(ctx); err != nil {
		fmt.Fprintf(a.stderr, "tapflow starter: %v\n", err)
	}
}

func newRoot(ctx context.Context, stdout, stderr io.Writer, env func(string) (string, bool)) (*cobra.Command, *app) {
	root := &cobra.Command{
		Use:   "starter",
		Short: "Hand work to tapflow: HR webhook, scheduled batches, manual commands",
		Long: `Hands work to tapflow's Temporal workers. Every flag can also be set by the environment variable
shown beside it. Without TEMPORAL_ADDRESS it dials the dev stack's embedded server at 127.0.0.1:7233.
OTEL_EXPORTER_OTLP_ENDPOINT (an OTLP/gRPC collector) turns on tracing; OTEL_SERVICE_NAME defaults to
tapflow-starter.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	a := &app{ctx: ctx, env: env, stderr: stderr, set: cliconf.New(root.PersistentFlags())}
	temporalclient.Bind(a.set, &a.temporal)
	a.set.Enum(&a.level, "log-level", "warn", logging.Levels(), "log level")
	a.set.Enum(&a.format, "log-format", "text", logging.Formats(), "log format")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cliconf.Usage(err) })
	root.AddCommand(newEventCmds(a)...)
	root.AddCommand(newCheckTenantCmd(a), newHireCmd(a), newStatusCmd(a), newServeCmd(a), newBatchCmd(a), newScheduleCmd(a), newListCmd(a), newSourcesCmd(a), newBenchCmd(a), newIssuanceCmd(a),
		newActionCmd(a, workflows.UpdateApprove, "Approve a pass for a privileged user held at awaiting_approval",
			"  go run ./starter approve E1004 --by ciso@contoso.example --reason 'new admin, verified in person'"),
		newActionCmd(a, workflows.UpdateCancel, "Stop an employee's running journey and revoke its pass",
			"  go run ./starter cancel E1001 --by helpdesk@contoso.example --reason 'duplicate record'"),
		newActionCmd(a, workflows.UpdateReissue, "Revoke the current pass and issue a new one now",
			"  go run ./starter reissue E1001 --by helpdesk@contoso.example --reason 'mail lost'"))
	return root, a
}
