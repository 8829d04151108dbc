package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/feedsource"
	"github.com/tapflow/tapflow/workflows"
)

// scheduleID is a feed schedule's Temporal id.
func scheduleID(name string) string { return "tapflow-feed/" + name }

func newScheduleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Manage scheduled onboarding batches (Temporal Schedules that import a feed)",
		Long: `A scheduled batch is a Temporal Schedule that runs the ImportFeed workflow: it reads the onboarding CSV from a
file the workers can read, or an https:// URL (sent with TAPFLOW_FEED_TOKEN as a bearer token), and hands every
row to the intake. A run over the same feed changes nothing; overlapping runs are skipped. The feed must be in a
directory or at an origin that TAPFLOW_FEED_SOURCES lists, here and on the workers.`,
	}
	cmd.AddCommand(newScheduleCreateCmd(a), newScheduleListCmd(a), newScheduleDescribeCmd(a),
		scheduleAction(a, "trigger", "Run a schedule now", func(h client.ScheduleHandle, c *cobra.Command) error {
			return h.Trigger(c.Context(), client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
		}),
		newSchedulePauseCmd(a),
		scheduleAction(a, "delete", "Delete a schedule (imports already made stay)", func(h client.ScheduleHandle, c *cobra.Command) error {
			return h.Delete(c.Context())
		}))
	return cmd
}

func newScheduleCreateCmd(a *app) *cobra.Command {
	var feed, cron, zone string
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "create NAME --feed SOURCE (--cron EXPR | --every DURATION)",
		Short: "Create a schedule that imports a feed",
		Example: `  go run ./starter schedule create daily-starters --feed /srv/hr/starters.csv --cron "0 6 * * 1-5" --time-zone Europe/London
  go run ./starter schedule create hourly --feed https://hr.example/export/starters.csv --every 1h`,
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&feed, "feed", "", "file path or https:// URL of the CSV (required)")
	cmd.Flags().StringVar(&cron, "cron", "", `cron expression, e.g. "0 6 * * 1-5"`)
	cmd.Flags().DurationVar(&every, "every", 0, "interval, e.g. 24h")
	cmd.Flags().StringVar(&zone, "time-zone", "UTC", "IANA time zone of the cron expression")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if feed == "" || (cron == "") == (every == 0) {
			return cliconf.Usage(errors.New("give --feed and exactly one of --cron or --every"))
		}
		if _, err := time.LoadLocation(zone); err != nil {
			return cliconf.Usage(fmt.Errorf("--time-zone %q is not an IANA zone such as Europe/London", zone))
		}
		if err := allowedFeed(a, feed); err != nil {
			return cliconf.Usage(err)
		}
		spec := client.ScheduleSpec{TimeZoneName: zone}
		human := "every " + every.String()
		if cron != "" {
			spec.CronExpressions = []string{cron}
			human = "at " + cron + " (" + zone + ")"
		} else {
			spec.Intervals = []client.ScheduleIntervalSpec{{Every: every}}
		}
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.ScheduleClient().Create(a.ctx, client.ScheduleOptions{
			ID:      scheduleID(args[0]),
			Spec:    spec,
			Memo:    map[string]any{"feed": feed, "when": human}, // as given: the server keeps cron as calendars
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
			Action: &client.ScheduleWorkflowAction{ID: "feed/" + args[0], Workflow: workflows.ImportFeed,
				Args: []any{activities.FeedRequest{Source: feed}}, TaskQueue: workflows.TaskQueue},
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return fmt.Errorf("schedule %s exists: delete it first, or pick another name", args[0])
		}
		if err != nil {
			return fmt.Errorf("create schedule %s: %w", args[0], cliconf.Usage(err))
		}
		fmt.Fprintf(cmd.OutOrStdout(), "created schedule %s\n", args[0])
		return nil
	}
	return cmd
}

func newScheduleListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{Use: "list", Short: "List the feed schedules", Example: "  go run ./starter schedule list", Args: cobra.NoArgs}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		iter, err := c.ScheduleClient().List(a.ctx, client.ScheduleListOptions{})
		if err != nil {
			return fmt.Errorf("list schedules: %w", err)
		}
		var names []string
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				return fmt.Errorf("list schedules: %w", err)
			}
			if name, ok := strings.CutPrefix(e.ID, "tapflow-feed/"); ok {
				names = append(names, name)
			}
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), names)
		}
		for _, n := range names {
			fmt.Fprintln(cmd.OutOrStdout(), n)
		}
		return nil
	}
	return cmd
}

func newScheduleDescribeCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{Use: "describe NAME", Short: "Show a schedule: feed, spec, state, recent runs",
		Example: "  go run ./starter schedule describe daily-starters", Args: cobra.ExactArgs(1)}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		d, err := c.ScheduleClient().GetHandle(a.ctx, scheduleID(args[0])).Describe(a.ctx)
		if err != nil {
			return fmt.Errorf("describe schedule %s: %w", args[0], err)
		}
		opts, _ := a.clientOptions(slog.New(slog.DiscardHandler))
		view := describeView(args[0], d, opts.DataConverter)
		if asJSON {
			return printJSON(cmd.OutOrStdout(), view)
		}
		printSchedule(cmd.OutOrStdout(), view)
		return nil
	}
	return cmd
}

// scheduleView is what describe shows.
type scheduleView struct {
	Name       string      `json:"name"`
	Feed       string      `json:"feed"`
	When       string      `json:"when"`
	Paused     bool        `json:"paused"`
	Note       string      `json:"note,omitempty"`
	Runs       int         `json:"runs"`
	RecentRuns []time.Time `json:"recent_runs"`
	NextRuns   []time.Time `json:"next_runs"`
}

func describeView(name string, d *client.ScheduleDescription, dc converter.DataConverter) scheduleView {
	v := scheduleView{Name: name, Paused: d.Schedule.State.Paused, Note: d.Schedule.State.Note, Runs: d.Info.NumActions,
		NextRuns: d.Info.NextActionTimes}
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	for key, dst := range map[string]*string{"feed": &v.Feed, "when": &v.When} {
		if p, ok := d.Memo.GetFields()[key]; ok {
			_ = dc.FromPayload(p, dst)
		}
	}
	for _, r := range d.Info.RecentActions {
		v.RecentRuns = append(v.RecentRuns, r.ActualTime)
	}
	return v
}

func printSchedule(w io.Writer, v scheduleView) {
	state := "active"
	if v.Paused {
		state = "paused"
	}
	fmt.Fprintf(w, "Schedule %s: %s, %d runs\n", v.Name, state, v.Runs)
	fmt.Fprintf(w, "  imports %s %s\n", v.Feed, v.When)
	if v.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", v.Note)
	}
	for _, t := range v.RecentRuns {
		fmt.Fprintf(w, "  ran  %s\n", t.UTC().Format(time.RFC3339))
	}
	for _, t := range v.NextRuns {
		fmt.Fprintf(w, "  next %s\n", t.UTC().Format(time.RFC3339))
	}
}

func newSchedulePauseCmd(a *app) *cobra.Command {
	var unpause bool
	var note string
	cmd := scheduleAction(a, "pause", "Pause a schedule (--unpause resumes it)", func(h client.ScheduleHandle, c *cobra.Command) error {
		if unpause {
			return h.Unpause(c.Context(), client.ScheduleUnpauseOptions{Note: note})
		}
		return h.Pause(c.Context(), client.SchedulePauseOptions{Note: note})
	})
	cmd.Flags().BoolVar(&unpause, "unpause", false, "resume instead")
	cmd.Flags().StringVar(&note, "note", "", "why (shown by describe)")
	return cmd
}

func scheduleAction(a *app, name, short string, do func(client.ScheduleHandle, *cobra.Command) error) *cobra.Command {
	return &cobra.Command{
		Use:     name + " NAME",
		Short:   short,
		Example: "  go run ./starter schedule " + name + " daily-starters",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			cmd.SetContext(a.ctx)
			if err := do(c.ScheduleClient().GetHandle(a.ctx, scheduleID(args[0])), cmd); err != nil {
				return fmt.Errorf("%s schedule %s: %w", name, args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: done\n", name)
			return nil
		},
	}
}

// allowedFeed checks a schedule's source against TAPFLOW_FEED_SOURCES as the starter has it; the workers check
// it again, with their own, on every run.
func allowedFeed(a *app, feed string) error {
	list, _ := a.env(feedsource.Setting)
	sources, err := feedsource.Parse(list)
	if err != nil {
		return err
	}
	return sources.Allow(feed)
}
