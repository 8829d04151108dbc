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
	var by, reason, eventID string
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
	if name == workflows.UpdateApprove {
		cmd.Flags().StringVar(&eventID, "event-id", "", "the journey to approve, by the event that started it "+
			"(default: the journey awaiting approval now, as status shows it)")
	}
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
			if eventID == "" {
				if eventID, err = awaitingApproval(a, c, args[0]); err != nil {
					return err
				}
			}
			arg = workflows.ApproveRequest{EmployeeID: args[0], EventID: eventID, Approver: by, Reason: reason}
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

// awaitingApproval is the event id of the employee's journey, which an approval names.
func awaitingApproval(a *app, c client.Client, employeeID string) (string, error) {
	v, err := c.QueryWorkflow(a.ctx, workflows.EmployeeWorkflowID(employeeID), "", workflows.QueryStatus)
	if err != nil {
		return "", fmt.Errorf("read employee %s's journey: %w", employeeID, err)
	}
	var st workflows.Status
	if err := v.Get(&st); err != nil {
		return "", fmt.Errorf("read employee %s's journey: %w", employeeID, err)
	}
	if st.Journey == nil {
		return "", fmt.Errorf("employee %s has no journey to approve", employeeID)
	}
	return st.Journey.EventID, nil
}
