package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/logging"
)

// newEmulatorCmd runs the Graph emulator alone, for a worker pointed at it with TAPFLOW_GRAPH_URL.
func newEmulatorCmd(ctx context.Context, stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	var addr, seedFile, level, format string
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run the Microsoft Graph emulator alone",
		Long: `Runs the Graph emulator alone, with the demo directory or a seed file. Point a worker at it with
TAPFLOW_GRAPH_URL=http://ADDRESS/v1.0 and TAPFLOW_GRAPH_STATIC_TOKEN=any-value. Its control API is under
/_emulator/ (users, methods, policy, mail, requests, faults).`,
		Example:       "  go run ./worker emulator --emulator-address 127.0.0.1:8089 --graph-seed directory.json",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	set := cliconf.New(cmd.Flags())
	set.Addr(&addr, "emulator-address", "127.0.0.1:8089", "address to serve the emulator on")
	set.String(&seedFile, "graph-seed", "", "JSON directory to load (default: the demo directory)")
	set.Enum(&level, "log-level", "info", logging.Levels(), "log level")
	set.Enum(&format, "log-format", "text", logging.Formats(), "log format")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cliconf.Usage(err) })
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := set.ApplyEnv(env); err != nil {
			return cliconf.Usage(err)
		}
		log, err := logging.New(stderr, level, format)
		if err != nil {
			return cliconf.Usage(err)
		}
		seed := graphemu.DemoSeed()
		if seedFile != "" {
			if seed, err = graphemu.LoadSeed(seedFile); err != nil {
				return cliconf.Usage(fmt.Errorf("--graph-seed: %w", err))
			}
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s (%v): free the port or move it with --emulator-address", addr, err)
		}
		emu := graphemu.New(graphemu.Options{Seed: seed, Logger: log})
		srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(stdout, "Graph emulator on http://%s/v1.0 (control API http://%s/_emulator/). Stop with Ctrl-C.\n",
			l.Addr(), l.Addr())
		return serveUntilDone(ctx, srv, l)
	}
	return cmd
}

// serveUntilDone serves an emulator on l until ctx ends, then shuts the server down.
func serveUntilDone(ctx context.Context, srv *http.Server, l net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("emulator server: %w", err)
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
