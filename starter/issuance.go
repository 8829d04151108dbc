package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/workflows"
)

// newIssuanceCmd builds `starter issuance status|resume`: the tenant-wide issuance guard.
func newIssuanceCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "issuance", Short: "Show or resume the tenant-wide issuance guard (the circuit breaker)"}
	var asJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Show whether issuance is paused, how many passes the last hour saw, and how many journeys are held",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, done, err := guardClient(a)
			if err != nil {
				return err
			}
			defer done()
			st, err := g.Status(a.ctx)
			if err != nil {
				return err
			}
			return printIssuance(cmd.OutOrStdout(), st, asJSON)
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	var by, reason string
	resume := &cobra.Command{
		Use:     "resume",
		Short:   "Lift a pause: held journeys go on and issue their passes (audited with --by and --reason)",
		Example: "  go run ./starter issuance resume --by ciso@contoso.example --reason 'HR confirmed the 60 hires of the acquisition'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := issuance.ResumeRequest{By: by, Reason: reason}
			if err := r.Check(); err != nil {
				return cliconf.Usage(err)
			}
			g, done, err := guardClient(a)
			if err != nil {
				return err
			}
			defer done()
			st, err := g.Resume(a.ctx, r)
			if err != nil {
				return err
			}
			return printIssuance(cmd.OutOrStdout(), st, asJSON)
		},
	}
	resume.Flags().StringVar(&by, "by", "", "who resumes issuance (required; audited)")
	resume.Flags().StringVar(&reason, "reason", "", "why issuance may go on (required; kept in the guard's history)")
	resume.Flags().BoolVar(&asJSON, "json", false, "print the resulting status as JSON")
	cmd.AddCommand(status, resume)
	return cmd
}

// guardClient dials Temporal and returns the guard's client and the hang-up.
func guardClient(a *app) (*issuance.Client, func(), error) {
	c, err := a.dial()
	if err != nil {
		return nil, nil, err
	}
	return &issuance.Client{Temporal: c, TaskQueue: workflows.TaskQueue}, c.Close, nil
}

// printIssuance prints the guard's status.
func printIssuance(w io.Writer, st issuance.Status, asJSON bool) error {
	if asJSON {
		return printJSON(w, st)
	}
	if st.Paused {
		fmt.Fprintf(w, "issuance PAUSED since %s (%s): %d journeys held\n", st.PausedAt.Format(time.RFC3339),
			issuance.ReasonPaused, st.Held)
		fmt.Fprintln(w, "  lift it with: starter issuance resume --by NAME --reason TEXT")
	} else {
		fmt.Fprintln(w, "issuance running")
	}
	fmt.Fprintf(w, "  passes in the last hour: %d; recoveries and re-registrations in the last 24 hours: %d\n",
		st.IssuedLastHour, st.RecoveriesLast24h)
	if st.LastResumedBy != "" {
		fmt.Fprintf(w, "  last resumed %s by %s\n", st.LastResumedAt.Format(time.RFC3339), st.LastResumedBy)
	}
	return nil
}
