package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/internal/logging"
	"github.com/tapflow/tapflow/internal/vendoremu"
)

// newHREmulatorCmd runs an HR vendor's emulator alone: its REST API for the adapter and its control API, from
// which it delivers signed webhooks, retried as the vendor does, to the hook it is given.
func newHREmulatorCmd(ctx context.Context, stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	var addr, level, format string
	cmd := &cobra.Command{
		Use:   "hr-emulator bamboohr|hibob",
		Short: "Run an HR vendor's emulator alone (BambooHR or HiBob)",
		Long: `Runs the emulator of an HR vendor: the REST calls tapflow's adapter makes (BambooHR under /api/gateway.php,
with API key emulator-api-key and company domain acme; HiBob at the root, with service user
SERVICE-USER-EMULATOR and token emulator-token) and a control API under /_emulator/: PUT /_emulator/webhook
{"url":…,"secret":…}, POST /_emulator/employees {"fields":{…}}, PATCH /_emulator/employees/{id},
GET /_emulator/deliveries, POST /_emulator/send (forged or stale deliveries). docs/hr-sources.md walks through it.`,
		Example:       "  go run ./worker hr-emulator bamboohr --address 127.0.0.1:8091",
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	set := cliconf.New(cmd.Flags())
	set.Addr(&addr, "address", "127.0.0.1:8091", "address to serve the emulator on")
	set.Enum(&level, "log-level", "info", logging.Levels(), "log level")
	set.Enum(&format, "log-format", "text", logging.Formats(), "log format")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cliconf.Usage(err) })
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := set.ApplyEnv(env); err != nil {
			return cliconf.Usage(err)
		}
		log, err := logging.New(stderr, level, format)
		if err != nil {
			return cliconf.Usage(err)
		}
		var emu *vendoremu.Emulator
		api := ""
		switch args[0] {
		case hrvendor.VendorBambooHR:
			emu, api = vendoremu.NewBambooHR(vendoremu.BambooHROptions{Logger: log}), "/api/gateway.php"
		case hrvendor.VendorHiBob:
			emu = vendoremu.NewHiBob(vendoremu.HiBobOptions{Logger: log})
		default:
			return cliconf.Usage(fmt.Errorf("hr-emulator: the vendors are %s and %s", hrvendor.VendorBambooHR, hrvendor.VendorHiBob))
		}
		defer emu.Close()
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s (%v): free the port or move it with --address", addr, err)
		}
		srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(stdout, "%s emulator: API http://%s%s, control API http://%s/_emulator/. Stop with Ctrl-C.\n", args[0], l.Addr(), api, l.Addr())
		return serveUntilDone(ctx, srv, l)
	}
	return cmd
}
