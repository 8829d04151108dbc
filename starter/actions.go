package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/workflows"
)

// newActionCmd builds approve, cancel and reissue: Temporal updates whose validators refuse an action that does
// not fit the journey's stage, with the reason.
func newActionCmd(a *app, name, short, example string) *cobra.Command {
	var by, reason string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     name + " EMPLOYEE_ID",
		Short:   short,
		Example: example,
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&by, "by", "", "who asks (required; kept in the journey's record)")
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the resulting status as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if by == "" {
			return cliconf.Usage(errors.New("--by is required: name who asks"))
		}
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		var arg any = workflows.ActionRequest{By: by, Reason: reason}
		if name == workflows.UpdateApprove {
			arg = workflows.ApproveRequest{Approver: by, Reason: reason}
		}
		h, err := c.UpdateWorkflow(a.ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.EmployeeWorkflowID(args[0]),
			UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return fmt.Errorf("%s employee %s: %w", name, args[0], err)
		}
		var st workflows.Status
		if err := h.Get(a.ctx, &st); err != nil {
			return fmt.Errorf("%s employee %s: %w", name, args[0], err)
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), st)
		}
		printTimeline(cmd.OutOrStdout(), st)
		return nil
	}
	return cmd
}
