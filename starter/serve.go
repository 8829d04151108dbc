package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hooks"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/logging"
	"github.com/tapflow/tapflow/internal/metrics"
	"github.com/tapflow/tapflow/internal/webhook"
	"github.com/tapflow/tapflow/workflows"
)

func newServeCmd(a *app) *cobra.Command {
	var addr, metricsAddr, secrets string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HR webhook receiver (POST /v1/events)",
		Long: `Runs the HR webhook receiver (docs/events.md). Each event must carry a Standard Webhooks signature made
with TAPFLOW_WEBHOOK_SECRET (whsec_...); while rotating, give several, comma-separated, and both are accepted.
It answers 202 only once Temporal has accepted the event, 200 for a duplicate, and 503 with Retry-After while
Temporal cannot be reached, so the sender retries and nothing is lost. SIGINT/SIGTERM stop it after the
requests in flight are answered. GET /metrics on its own address (--metrics-address, never the public webhook
listener) serves Prometheus metrics: webhook requests by status, the Temporal SDK's client series.`,
		Example: "  TAPFLOW_WEBHOOK_SECRET=whsec_... go run ./starter serve --webhook-address 0.0.0.0:8088",
		Args:    cobra.NoArgs,
	}
	set := cliconf.New(cmd.Flags())
	set.Addr(&addr, "webhook-address", "127.0.0.1:8088", "address to listen on")
	set.Addr(&metricsAddr, "metrics-address", "127.0.0.1:9091", "address of /metrics, apart from the webhook (keep it private)")
	set.String(&secrets, "webhook-secret", "", "signing secret(s), whsec_..., comma-separated while rotating (required)")
	var pc pickupConfig
	bindPickup(set, &pc)
	var hc hooks.Config
	hooks.BindSecrets(set, &hc) // the vendors' webhooks: POST /v1/hooks/{vendor}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.set.ApplyEnv(a.env); err != nil {
			return cliconf.Usage(err)
		}
		if err := set.ApplyEnv(a.env); err != nil {
			return cliconf.Usage(err)
		}
		log, err := logging.New(a.stderr, a.level, a.format)
		if err != nil {
			return cliconf.Usage(err)
		}
		opts, err := a.clientOptions(log)
		if err != nil {
			return err
		}
		m := metrics.New() // served on /metrics beside the webhook: the SDK's series and webhook requests by status
		opts.MetricsHandler = m.SDKHandler()
		// A lazy client: the receiver starts (and answers 503) even while Temporal is down.
		c, err := client.NewLazyClient(opts)
		if err != nil {
			return cliconf.Usage(fmt.Errorf("Temporal client: %w", err))
		}
		defer c.Close()
		h, err := webhook.NewHandler(webhook.SplitSecrets(secrets), func(ctx context.Context, e hrevent.Event) (workflows.EventResult, error) {
			return intake.Submit(ctx, c, e)
		}, log)
		if err != nil {
			return cliconf.Usage(err)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s (%v): free the port or move it with --webhook-address", addr, err)
		}
		ml, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			l.Close()
			return fmt.Errorf("cannot listen on %s (%v): free the port or move it with --metrics-address", metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/", h.WithMetrics(m).Routes())
		if err := hc.Check(); err != nil {
			l.Close()
			ml.Close()
			return cliconf.Usage(err)
		}
		if r := hc.Receivers(); len(r) > 0 {
			hooks.NewHandler(r, hooks.StartNotice(c), log.With("component", "hr-sources"), audit.Log{Logger: log}, m).Register(mux)
		}
		if pc.on {
			stopPickup, err := startPickup(c, pc, log, mux)
			if err != nil {
				l.Close()
				ml.Close()
				return err
			}
			defer stopPickup()
		}
		srv := webhook.NewServer(mux)
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", m.Handler())
		metricsSrv := &http.Server{Handler: metricsMux, ReadHeaderTimeout: 5 * time.Second}
		fmt.Fprintf(cmd.OutOrStdout(), "HR webhook on http://%s/v1/events, metrics on http://%s/metrics (Temporal %s). Stop with Ctrl-C.\n",
			l.Addr(), ml.Addr(), opts.HostPort)
		errc := make(chan error, 2)
		go func() { errc <- srv.Serve(l) }()
		go func() { errc <- metricsSrv.Serve(ml) }()
		defer metricsSrv.Close()
		select {
		case <-a.ctx.Done():
		case err := <-errc:
			return fmt.Errorf("webhook server: %w", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("drain the webhook server: %w", err)
		}
		return nil
	}
	return cmd
}
