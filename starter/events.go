package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// eventCmd builds a command that sends one HR event for an employee through the intake. fill sets the
// event's own fields from the command's flags.
func eventCmd(a *app, typ hrevent.Type, use, short, example string, flags func(*cobra.Command, *hrevent.Event)) *cobra.Command {
	var id string
	var asJSON bool
	var e hrevent.Event
	cmd := &cobra.Command{Use: use, Short: short, Example: example, Args: cobra.ExactArgs(1)}
	cmd.Flags().StringVar(&id, "id", "", "event id, for an idempotent retry (default: a new one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	if flags != nil {
		flags(cmd, &e)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		now := time.Now().UTC()
		e.Type, e.OccurredAt, e.Employee.EmployeeID = typ, now, args[0]
		e.ID = id
		if e.ID == "" {
			e.ID = fmt.Sprintf("%s:%s:%d", typ, args[0], now.UnixNano())
		}
		if err := hrevent.Validate(e); err != nil {
			return cliconf.Usage(err)
		}
		return submit(a, cmd, e, asJSON)
	}
	return cmd
}

func newEventCmds(a *app) []*cobra.Command {
	return []*cobra.Command{
		eventCmd(a, hrevent.StartDateChange, "start-date EMPLOYEE_ID --start-date DATE", "Move a joiner's first day (a pass issued for the old date is revoked)",
			"  go run ./starter start-date E1001 --start-date 2026-12-08 --start-time 09:00",
			func(c *cobra.Command, e *hrevent.Event) {
				c.Flags().StringVar(&e.Employee.StartDate, "start-date", "", "new first day, YYYY-MM-DD (required)")
				c.Flags().StringVar(&e.Employee.StartTime, "start-time", "", "new local start time HH:MM")
				c.Flags().StringVar(&e.Employee.TimeZone, "time-zone", "", "new IANA time zone")
			}),
		eventCmd(a, hrevent.Rescind, "rescind EMPLOYEE_ID", "The offer is withdrawn: stop onboarding and revoke any pass",
			"  go run ./starter rescind E1001 --reason 'offer declined'",
			func(c *cobra.Command, e *hrevent.Event) {
				c.Flags().StringVar(&e.Reason, "reason", "", "why")
			}),
		eventCmd(a, hrevent.Termination, "terminate EMPLOYEE_ID --leave-at WHEN", "A leaver: at leave_at revoke any pass and stop onboarding",
			"  go run ./starter terminate E1001 --leave-at 2026-12-31T17:00:00Z\n  go run ./starter terminate E1001 --leave-at 2026-12-31 --time-zone Europe/London",
			func(c *cobra.Command, e *hrevent.Event) {
				c.Flags().StringVar(&e.Employee.LeaveAt, "leave-at", "", "RFC 3339 instant, or YYYY-MM-DD meaning the end of that local day (required)")
				c.Flags().StringVar(&e.Employee.TimeZone, "time-zone", "", "IANA zone for a leave-at date")
				c.Flags().StringVar(&e.Reason, "reason", "", "why")
			}),
		eventCmd(a, hrevent.TerminationCancelled, "cancel-termination EMPLOYEE_ID", "Withdraw a future termination",
			"  go run ./starter cancel-termination E1001", nil),
		eventCmd(a, hrevent.JobChange, "job-change EMPLOYEE_ID", "Record a move; --reregister asks for a new registration",
			"  go run ./starter job-change E1001 --job-title 'Lead Engineer' --privileged --reregister",
			func(c *cobra.Command, e *hrevent.Event) {
				e.Changes = &hrevent.Changes{}
				c.Flags().StringVar(&e.Changes.Department, "department", "", "new department")
				c.Flags().StringVar(&e.Changes.JobTitle, "job-title", "", "new job title")
				c.Flags().BoolVar(&e.Changes.Reregister, "reregister", false, "the employee must register a method again (device refresh)")
				c.Flags().BoolFunc("privileged", "the employee becomes privileged", func(string) error {
					t := true
					e.Changes.Privileged = &t
					return nil
				})
			}),
		eventCmd(a, hrevent.Recovery, "recover EMPLOYEE_ID --user UPN --requested-by NAME", "Helpdesk recovery after identity proofing: a pass now",
			"  go run ./starter recover E1001 --user ada.lovelace@contoso.example --requested-by helpdesk@contoso.example --reason 'lost phone, verified by video'",
			func(c *cobra.Command, e *hrevent.Event) {
				c.Flags().StringVar(&e.Employee.User, "user", "", "the Entra user (required)")
				c.Flags().StringVar(&e.RequestedBy, "requested-by", "", "who asked, kept in the audit log (required)")
				c.Flags().StringVar(&e.Reason, "reason", "", "why, and how identity was proven")
			}),
	}
}
