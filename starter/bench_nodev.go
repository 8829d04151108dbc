//go:build nodev

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// runBenchWorkerIfAsked: this build has no benchmark.
func runBenchWorkerIfAsked() {}

// newBenchCmd: the benchmark runs its own embedded Temporal server, which builds tagged nodev (the production
// images) do not link.
func newBenchCmd(_ *app) *cobra.Command {
	return &cobra.Command{
		Use:   "bench",
		Short: "Measure tapflow against a no-op baseline (not in this build: it has no embedded Temporal server)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("this build has no embedded Temporal server (built with -tags nodev): run the benchmark from a checkout, go run ./starter bench")
		},
	}
}
