package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/workflows"
)

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newHireCmd(a *app) *cobra.Command {
	var e hrevent.Employee
	var id string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "hire",
		Short: "Start a joiner journey: a pass on the first morning, delivered, revoked once a strong method is registered",
		Long: `Sends a hire event for one employee through the same intake as the HR webhook. The event id defaults to
hire:<employee-id>:<start-date>, so running the same command twice changes nothing (status "duplicate").
--start-date accepts "today" (in the employee's time zone).`,
		Example: `  go run ./starter hire --employee-id E1001 --user ada.lovelace@contoso.example \
      --time-zone Europe/London --start-date today --start-time 00:00`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&e.EmployeeID, "employee-id", "", "HR employee id (required)")
	f.StringVar(&e.User, "user", "", "Entra userPrincipalName or object id (required)")
	f.StringVar(&e.TimeZone, "time-zone", "", "IANA time zone of the employee, e.g. Europe/London (required)")
	f.StringVar(&e.StartDate, "start-date", "", "first day, YYYY-MM-DD or today (required)")
	f.StringVar(&e.StartTime, "start-time", "", "local start time HH:MM (default 08:00)")
	f.StringVar(&e.PersonalEmail, "personal-email", "", "the hire's own mail address: the pickup link's code goes there")
	f.StringVar(&e.MobilePhone, "mobile-phone", "", "the hire's mobile number, E.164 (+447700900123): the code by SMS")
	f.StringVar(&id, "id", "", "event id (default hire:<employee-id>:<start-date>)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if e.StartDate == "today" && e.TimeZone != "" {
			if loc, err := time.LoadLocation(e.TimeZone); err == nil {
				e.StartDate = time.Now().In(loc).Format("2006-01-02")
			}
		}
		if id == "" {
			id = "hire:" + e.EmployeeID + ":" + e.StartDate
		}
		ev := hrevent.Event{ID: id, Type: hrevent.Hire, OccurredAt: time.Now().UTC(), Employee: e}
		if err := hrevent.Validate(ev); err != nil {
			return cliconf.Usage(err)
		}
		return submit(a, cmd, ev, asJSON)
	}
	return cmd
}

func submit(a *app, cmd *cobra.Command, ev hrevent.Event, asJSON bool) error {
	c, err := a.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := intake.Submit(a.ctx, c, ev)
	if intake.IsInvalid(err) {
		return cliconf.Usage(err)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), res)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: event %s for %s\n", res.Status, res.EventID, res.WorkflowID)
	if res.Status == hrevent.StatusRefused {
		return fmt.Errorf("refused: %s", res.Reason)
	}
	return nil
}

func newStatusCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status EMPLOYEE_ID",
		Short:   "Show an employee's journey as a timeline",
		Example: "  go run ./starter status E1001\n  go run ./starter status E1001 --json",
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		st, err := queryStatus(a, c, args[0])
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), st)
		}
		printTimeline(cmd.OutOrStdout(), st)
		return nil
	}
	return cmd
}

func queryStatus(a *app, c client.Client, employeeID string) (workflows.Status, error) {
	var st workflows.Status
	v, err := c.QueryWorkflow(a.ctx, workflows.EmployeeWorkflowID(employeeID), "", workflows.QueryStatus)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return st, fmt.Errorf("no workflow for employee %s: nothing was ever sent for them", employeeID)
	}
	if err != nil {
		return st, fmt.Errorf("query employee %s: %w", employeeID, err)
	}
	return st, v.Get(&st)
}

// printPickup shows a pickup link's use: opened how often and when, revealed when and from where.
func printPickup(w io.Writer, p *workflows.PickupLink) {
	if p == nil {
		return
	}
	fmt.Fprintf(w, "  %-18s %s, expires %s\n", "pickup link", p.State, p.Expires.UTC().Format(time.RFC3339))
	if p.Opens > 0 {
		fmt.Fprintf(w, "  %-18s %d times, first %s, last %s\n", "link opened", p.Opens,
			p.FirstOpened.UTC().Format(time.RFC3339), p.LastOpened.UTC().Format(time.RFC3339))
	}
	if !p.RevealedAt.IsZero() {
		fmt.Fprintf(w, "  %-18s %s from %s\n", "pass revealed", p.RevealedAt.UTC().Format(time.RFC3339), p.RevealedFrom)
	}
}

// printSignIns shows the sign-ins made with the journey's pass, as the tenant watch read them from the sign-in
// log: when, the result, from where and with what.
func printSignIns(w io.Writer, signIns []workflows.PassSignIn) {
	for _, s := range signIns {
		where := strings.Trim(strings.Join([]string{s.City, s.Country}, ", "), ", ")
		note := ""
		if s.AfterRevoke {
			note = " AFTER THE PASS WAS REVOKED (pass_used_after_revoke)"
		}
		fmt.Fprintf(w, "  %-18s %s %s from %s %s, %s%s\n", "pass sign-in", s.At.UTC().Format(time.RFC3339), s.Result,
			orDash(s.IPAddress), orDash(where), orDash(s.ClientApp), note)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// heldHint says what lifts a hold.
func heldHint(reason string) string {
	if reason == issuance.ReasonPaused {
		return " (all issuance is paused: starter issuance status; starter issuance resume --by NAME --reason TEXT)"
	}
	return " (starter approve EMPLOYEE_ID --by NAME --event-id EVENT_ID)"
}

func printTimeline(w io.Writer, st workflows.Status) {
	fmt.Fprintf(w, "Employee %s\n", st.EmployeeID)
	j := st.Journey
	if j == nil {
		fmt.Fprintln(w, "  no journey yet")
	} else {
		fmt.Fprintf(w, "  %s journey: stage %s", j.Kind, j.Stage)
		if j.Outcome != "" {
			fmt.Fprintf(w, ", outcome %s", j.Outcome)
		}
		fmt.Fprintln(w)
		if j.Reason != "" {
			fmt.Fprintf(w, "  %s\n", j.Reason)
		}
		for _, step := range []struct {
			name string
			at   time.Time
		}{{"scheduled for", j.Scheduled}, {"pass issued", j.Issued}, {"pass expires", j.Expires},
			{"method registered", j.Registered}, {"pass revoked", j.Revoked}} {
			if !step.at.IsZero() {
				fmt.Fprintf(w, "  %-18s %s\n", step.name, step.at.UTC().Format(time.RFC3339))
			}
		}
		if j.HeldFor != "" {
			fmt.Fprintf(w, "  %-18s %s%s\n", "held for", j.HeldFor, heldHint(j.HeldFor))
		}
		if len(j.Roles) > 0 && j.Stage == workflows.StageAwaitingApproval {
			fmt.Fprintf(w, "  %-18s %s\n", "privilege", strings.Join(j.Roles, "; "))
		}
		if j.ApprovedBy != "" {
			fmt.Fprintf(w, "  %-18s %s\n", "approved by", j.ApprovedBy)
		}
		printPickup(w, j.Pickup)
		printSignIns(w, j.SignIns)
		fmt.Fprintf(w, "  %-18s %d\n", "passes issued", j.Attempts)
	}
	if l := st.Leaver; l != nil {
		fmt.Fprintf(w, "  left %s: %s\n", l.Left.UTC().Format(time.RFC3339), l.Reason)
	}
	if len(st.Events) > 0 {
		fmt.Fprintln(w, "Events:")
		for _, e := range st.Events {
			fmt.Fprintf(w, "  %s  %-22s %-10s %s\n", e.OccurredAt.UTC().Format(time.RFC3339), e.Type, e.Status, strings.TrimSpace(e.Note))
		}
	}
}
