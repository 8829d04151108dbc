package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
)

func newBatchCmd(a *app) *cobra.Command {
	var file string
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "batch --file starters.csv",
		Short: "Import an onboarding CSV: one hire per row, a rerun changes nothing",
		Long: `Imports the onboarding CSV (docs/batches.md): a header row (employee_id, user, start_date, time_zone and
optionally start_time, in any order), then one row per starter. Each row becomes a hire whose id is
hire:<employee_id>:<start_date>, so importing the same file again answers "duplicate" for every row.
Bad rows are reported with their line numbers and the good rows still go in. Exit code 1 when any row was
rejected or could not be handed to Temporal (run it again: the rows that went in answer duplicate).`,
		Example: "  go run ./starter batch --file starters.csv\n  go run ./starter batch --file starters.csv --dry-run",
		Args:    cobra.NoArgs,
	}
	cmd.Flags().StringVar(&file, "file", "", "the CSV file (required; - for standard input)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report, without sending anything")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if file == "" {
			return cliconf.Usage(fmt.Errorf("--file is required: the CSV to import"))
		}
		rows, bad, err := readCSV(file, cmd.InOrStdin())
		if err != nil {
			return cliconf.Usage(err)
		}
		s := batch.Summary{Rejected: bad}
		if !dryRun {
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			progress := newProgress(a.stderr, len(rows))
			s = batch.Import(a.ctx, rows, func(ctx context.Context, e hrevent.Event) (hrevent.Result, error) {
				return intake.Submit(ctx, c, e)
			}, progress)
			s.Rejected = append(bad, s.Rejected...)
		}
		if asJSON {
			if err := printJSON(cmd.OutOrStdout(), s); err != nil {
				return err
			}
		} else {
			printSummary(cmd.OutOrStdout(), s, len(rows), dryRun)
		}
		if n := len(s.Rejected) + len(s.Failed); n > 0 {
			return fmt.Errorf("%d rows were not imported", n)
		}
		return nil
	}
	return cmd
}

func readCSV(file string, stdin io.Reader) ([]batch.Row, []batch.LineError, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, fmt.Errorf("--file: %w", err)
		}
		defer f.Close()
		r = f
	}
	rows, bad, err := batch.Parse(r, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	return rows, bad, nil
}

// newProgress draws a bar on a terminal and prints a plain line every 10% elsewhere.
func newProgress(w io.Writer, total int) func(int) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func(done int) { _ = bar.Set(done) }
	}
	step := max(total/10, 1)
	return func(done int) {
		if done%step == 0 || done == total {
			fmt.Fprintf(w, "imported %d/%d rows\n", done, total)
		}
	}
}

func printSummary(w io.Writer, s batch.Summary, rows int, dryRun bool) {
	if dryRun {
		fmt.Fprintf(w, "dry run: %d rows would be sent, %d rejected\n", rows, len(s.Rejected))
	} else {
		fmt.Fprintf(w, "accepted %d, duplicate %d, stale %d, rejected %d, failed %d\n",
			s.Accepted, s.Duplicate, s.Stale, len(s.Rejected), len(s.Failed))
	}
	for _, e := range s.Rejected {
		fmt.Fprintf(w, "rejected %s\n", e.Error())
	}
	for _, e := range s.Failed {
		fmt.Fprintf(w, "failed %s\n", e.Error())
	}
}
