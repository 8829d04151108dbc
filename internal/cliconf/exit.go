package cliconf

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// ErrUsage marks a usage or configuration error: exit code 2.
var ErrUsage = errors.New("usage")

// Usage marks err as a usage or configuration error.
func Usage(err error) error { return fmt.Errorf("%w: %w", ErrUsage, err) }

// Execute runs a command tree and turns its error into one line on stderr and an exit code: 0 done, 1 failed,
// 2 bad usage or configuration. Flag errors count as usage errors.
func Execute(root *cobra.Command, args []string, stderr io.Writer, name string) int {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return Usage(err) })
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		if errors.Is(err, ErrUsage) {
			return 2
		}
		return 1
	}
	return 0
}
