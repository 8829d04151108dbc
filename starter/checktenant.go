package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/workflows"
)

func newCheckTenantCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check-tenant",
		Short: "Read the tenant's Temporary Access Pass policy through a workflow and say if tapflow can issue passes",
		Long: `Starts the CheckTenant workflow, which reads the tenant's TAP policy through the Graph worker, and
prints the policy and anything that would stop tapflow from issuing passes. Exit code 0 when ready,
1 when a problem was found or the workflow failed, 2 on bad usage.`,
		Example: "  go run ./starter check-tenant\n  go run ./starter check-tenant --json",
		Args:    cobra.NoArgs,
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		run, err := c.ExecuteWorkflow(a.ctx, client.StartWorkflowOptions{
			ID:                       fmt.Sprintf("check-tenant/%d", time.Now().UnixNano()),
			TaskQueue:                workflows.TaskQueue,
			WorkflowExecutionTimeout: 5 * time.Minute,
		}, workflows.CheckTenant)
		if err != nil {
			return fmt.Errorf("start CheckTenant: %w", err)
		}
		var report workflows.TenantReport
		if err := run.Get(a.ctx, &report); err != nil {
			return fmt.Errorf("CheckTenant (workflow %s): %w", run.GetID(), err)
		}
		out := cmd.OutOrStdout()
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(report); err != nil {
				return err
			}
		} else {
			p := report.Policy
			fmt.Fprintf(out, "TAP policy: enabled=%t length=%d lifetime default=%d min=%d max=%d minutes, one-time only=%t\n",
				p.Enabled, p.DefaultLength, p.DefaultLifetimeMinutes, p.MinLifetimeMinutes, p.MaxLifetimeMinutes, p.UsableOnce)
			fmt.Fprintf(out, "Targets: include %v, exclude %v\n", p.IncludeGroups, p.ExcludeGroups)
			for _, problem := range report.Problems {
				fmt.Fprintf(out, "PROBLEM: %s\n", problem)
			}
			if report.Ready {
				fmt.Fprintln(out, "Ready: tapflow can issue passes in this tenant.")
			}
		}
		if !report.Ready {
			return fmt.Errorf("the tenant is not ready for tapflow (%d problems)", len(report.Problems))
		}
		return nil
	}
	return cmd
}
