package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/doctor"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/searchattr"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/internal/temporalclient"
	"github.com/tapflow/tapflow/workflows"
)

// devEmulatorToken is the bearer token the doctor sends the dev stack's emulator (any token is accepted).
const devEmulatorToken = "tapflow-doctor"

// errNotGreen makes the command exit 1 after printing a checklist with failures or warnings.
var errNotGreen = errors.New("the doctor found problems: fix them and run it again")

// newDoctorCmd checks the configuration the worker would run with, against the Temporal cluster and Graph.
func newDoctorCmd(ctx context.Context, stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	var (
		cfg    stack.Config
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that Temporal and Graph are ready for tapflow, and say how to fix what is not",
		Long: `Connects to Temporal and Microsoft Graph with the configuration the worker would use (the same flags and
variables) and prints a checklist: the cluster, the namespace and search attributes, the Graph rate limit, the
Graph token and each permission tapflow needs, the tenant's Temporary Access Pass policy, and the sender mailbox.
With no configuration it checks the running dev stack (go run ./worker). Exit code 0 when every check passed,
1 when one failed or warned, 2 on bad usage.`,
		Example: `  go run ./worker doctor                       # the running dev stack
  TEMPORAL_ADDRESS=temporal:7233 AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... go run ./worker doctor`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	set := cliconf.New(cmd.Flags())
	stack.Bind(set, &cfg)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checklist as JSON")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cliconf.Usage(err) })
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := set.ApplyEnv(env); err != nil {
			return cliconf.Usage(err)
		}
		target, closeFn, err := doctorTarget(ctx, cfg)
		if err != nil {
			return cliconf.Usage(err)
		}
		defer closeFn()
		report := doctor.Run(ctx, target)
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(report); err != nil {
				return err
			}
		} else {
			report.Write(stdout)
		}
		if !report.Green() {
			return errNotGreen
		}
		return nil
	}
	return cmd
}

// doctorTarget resolves the configuration as the worker would: with no Temporal address, the dev stack's
// embedded server; with no Graph settings, the dev stack's emulator.
func doctorTarget(ctx context.Context, cfg stack.Config) (doctor.Target, func(), error) {
	if cfg.Graph.EntraRequested() {
		if err := cfg.Graph.Validate(); err != nil {
			return doctor.Target{}, nil, err
		}
	}
	tc := cfg.Temporal
	if tc.Address == "" {
		tc.Address, tc.Dev = cfg.DevTemporalAddress, true
	}
	mode := cfg.Mode()
	gc := cfg.Graph
	if mode == stack.GraphEmulator {
		gc.BaseURL, gc.StaticToken = "http://"+cfg.EmulatorAddress+"/v1.0", devEmulatorToken
	}
	sender := cfg.Journey.SenderMailbox
	if sender == "" && mode == stack.GraphEmulator {
		sender = graphemu.DemoSenderID
	}
	if cfg.Journey.Settings.Channel == activities.ChannelWebhook {
		sender = ""
	}
	g, err := graph.New(gc, graph.Options{})
	if err != nil {
		return doctor.Target{}, nil, fmt.Errorf("graph client: %w", err)
	}
	t := doctor.Target{
		TemporalAddress: tc.Address, Namespace: tc.Namespace, SearchAttributes: searchattr.Definitions(),
		Graph: g, RealGraph: mode == stack.GraphEntra, RateLimit: cfg.GraphRateLimit, Sender: sender,
		Binding:          cfg.Journey.Settings.IdentityBinding,
		PrivilegedGroups: cfg.Journey.Settings.PrivilegedGroups, RecipientDomains: cfg.Journey.Settings.RecipientDomains,
		Issuance: cfg.Journey.Settings.Issuance, SecurityMailbox: cfg.Journey.Settings.SecurityMailbox, TaskQueue: workflows.TaskQueue,
		Pickup: cfg.Journey.Settings.Channel == activities.ChannelPickup, PublicURL: publicURL(cfg), Watch: cfg.Journey.Settings.Watch.On,
		Token:     func(ctx context.Context) (string, error) { return graph.AccessToken(ctx, gc) },
		Directory: cfg.Directory.Settings.On, Vendors: cfg.Vendors.Configured(),
	}
	t.VendorFetchers, _, t.VendorConfigErr = cfg.Vendors.Fetchers()
	opts, err := tc.Options(slog.New(slog.DiscardHandler))
	if err != nil {
		return doctor.Target{}, nil, err
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := temporalclient.Dial(dialCtx, opts)
	if err != nil {
		t.DialErr = err
		return t, func() {}, nil
	}
	t.Temporal = c
	return t, c.Close, nil
}

// publicURL is the pickup page's origin: the configured one, or the dev stack's webhook listener.
func publicURL(cfg stack.Config) string {
	if u := cfg.Journey.Settings.PublicURL; u != "" || !cfg.DevTemporal() || cfg.WebhookAddress == "" {
		return u
	}
	return "http://" + cfg.WebhookAddress
}
