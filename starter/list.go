package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/searchattr"
	"github.com/tapflow/tapflow/workflows"
)

// listed is one employee in `list`.
type listed struct {
	EmployeeID string    `json:"employee_id"`
	Stage      string    `json:"stage"`
	Outcome    string    `json:"outcome,omitempty"`
	Expires    time.Time `json:"tap_expires_at,omitempty"`
}

func stages() []string {
	var out []string
	for _, s := range workflows.Stages() {
		out = append(out, string(s))
	}
	return out
}

func newListCmd(a *app) *cobra.Command {
	var stage, outcome string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list [--stage S] [--outcome O]",
		Short:   "List employees by journey stage or outcome (a search on the Temporal visibility store)",
		Example: "  go run ./starter list --stage awaiting_registration\n  go run ./starter list --outcome expired --json",
		Args:    cobra.NoArgs,
	}
	cmd.Flags().StringVar(&stage, "stage", "", "only this stage: "+strings.Join(stages(), ", "))
	cmd.Flags().StringVar(&outcome, "outcome", "", "only this outcome, e.g. registered, expired, cancelled, already_registered")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		query := "WorkflowType = 'Employee'"
		if stage != "" {
			if !slices.Contains(stages(), stage) {
				return cliconf.Usage(fmt.Errorf("--stage %q: use one of %s", stage, strings.Join(stages(), ", ")))
			}
			query += fmt.Sprintf(" AND %s = '%s'", searchattr.Stage.GetName(), stage)
		}
		if outcome != "" {
			if strings.ContainsAny(outcome, `'"\`) || len(outcome) > 64 {
				return cliconf.Usage(fmt.Errorf("--outcome %q is not an outcome code", outcome))
			}
			query += fmt.Sprintf(" AND %s = '%s'", searchattr.Outcome.GetName(), outcome)
		}
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		var out []listed
		var token []byte
		for {
			resp, err := c.ListWorkflow(a.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
			if err != nil {
				return fmt.Errorf("list: %w", err)
			}
			for _, ex := range resp.GetExecutions() {
				out = append(out, listedFrom(ex.GetExecution().GetWorkflowId(), ex.GetSearchAttributes().GetIndexedFields()))
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				break
			}
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), out)
		}
		printList(cmd.OutOrStdout(), out)
		return nil
	}
	return cmd
}

func listedFrom(workflowID string, fields map[string]*commonpb.Payload) listed {
	l := listed{EmployeeID: strings.TrimPrefix(workflowID, "employee/")}
	dc := converter.GetDefaultDataConverter()
	if p, ok := fields[searchattr.Stage.GetName()]; ok {
		_ = dc.FromPayload(p, &l.Stage)
	}
	if p, ok := fields[searchattr.Outcome.GetName()]; ok {
		_ = dc.FromPayload(p, &l.Outcome)
	}
	if p, ok := fields[searchattr.TapExpiresAt.GetName()]; ok {
		_ = dc.FromPayload(p, &l.Expires)
	}
	return l
}

func printList(w io.Writer, out []listed) {
	if len(out) == 0 {
		fmt.Fprintln(w, "no employees match")
		return
	}
	fmt.Fprintf(w, "%-16s %-24s %-20s %s\n", "EMPLOYEE", "STAGE", "OUTCOME", "PASS EXPIRES")
	for _, l := range out {
		exp := ""
		if !l.Expires.IsZero() {
			exp = l.Expires.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%-16s %-24s %-20s %s\n", l.EmployeeID, l.Stage, l.Outcome, exp)
	}
}
