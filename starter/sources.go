package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hooks"
	"github.com/tapflow/tapflow/internal/sources"
)

func newSourcesCmd(a *app) *cobra.Command {
	var hc hooks.Config
	var directory, asJSON bool
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "List the configured HR sources: the directory source and the vendor webhooks, their last event and credentials",
		Long: `Lists each HR source the workers' configuration turns on (the same variables: TAPFLOW_DIRECTORY_SYNC,
TAPFLOW_BAMBOOHR_*, TAPFLOW_HIBOB_*, TAPFLOW_HR_MAPPING): where its events come from, its last event, whether
its credentials work (one authenticated call to the vendor's API), and the directory source's counts. The
Standard Webhooks receiver (POST /v1/events) is always there and is not listed.`,
		Example: "  TAPFLOW_DIRECTORY_SYNC=true go run ./starter sources\n  go run ./starter sources --json",
		Args:    cobra.NoArgs,
	}
	set := cliconf.New(cmd.Flags())
	hooks.Bind(set, &hc)
	set.Bool(&directory, "directory-sync", false, "the directory source is on (as the workers are told)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := set.ApplyEnv(a.env); err != nil {
			return cliconf.Usage(err)
		}
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		fetchers, _, ferr := hc.Fetchers()
		var list []sources.Source
		if s, on := sources.Directory(a.ctx, c, directory); on {
			list = append(list, s)
		}
		for _, v := range hc.Configured() {
			list = append(list, sources.Vendor(a.ctx, c, v, fetchers[v]))
		}
		if asJSON {
			return json.NewEncoder(cmd.OutOrStdout()).Encode(list)
		}
		if ferr != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "configuration:", ferr)
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "no HR source is configured beyond POST /v1/events (docs/hr-sources.md)")
			return nil
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tENDPOINT\tLAST EVENT\tCREDENTIALS\tHEALTHY\tDETAIL")
		for _, s := range list {
			last := "never"
			if !s.LastEvent.IsZero() {
				last = s.LastEvent.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\n", s.Name, s.Endpoint, last, s.Credentials, s.Healthy, s.Detail)
		}
		return tw.Flush()
	}
	return cmd
}
