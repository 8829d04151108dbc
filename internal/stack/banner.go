package stack

import (
	"fmt"
	"strings"

	"github.com/tapflow/tapflow/workflows"
)

// Banner says what runs where and what to try next, for the first lines a person sees.
func (s *Stack) Banner() string {
	var b strings.Builder
	row := func(part, where, note string) {
		fmt.Fprintf(&b, "  %-17s %-34s %s\n", part, where, note)
	}
	if s.temporal != nil {
		b.WriteString("tapflow dev stack is running\n")
		store := "SQLite " + s.temporal.DBFile()
		switch {
		case s.cfg.DevPostgres != "":
			store = "PostgreSQL"
		case s.temporal.DBFile() == "":
			store = "in memory: lost on exit"
		}
		row("Temporal server", s.temporal.FrontendAddress(), "namespace "+s.temporal.Namespace()+", "+store)
		if s.temporal.UIURL() != "" {
			row("Temporal Web UI", s.temporal.UIURL(), "search by TapflowStage, TapflowOutcome, EmployeeId")
		}
	} else {
		b.WriteString("tapflow worker is running\n")
		row("Temporal cluster", s.cfg.Temporal.Address, "namespace "+s.cfg.Temporal.Namespace)
	}
	switch s.mode {
	case GraphEmulator:
		row("Graph emulator", s.emuURL+"/v1.0", "demo directory; control API at "+s.emuURL+"/_emulator/")
	case GraphEndpoint:
		row("Graph endpoint", s.cfg.Graph.BaseURL, "static bearer token")
	default:
		url, _, _ := s.cfg.Graph.Endpoints()
		row("Microsoft Graph", url, "Entra credential: "+string(s.cfg.Graph.Credential))
	}
	if s.hookURL != "" {
		note := "secret from TAPFLOW_WEBHOOK_SECRET"
		if s.hookGen != "" {
			note = "generated secret " + s.hookGen
		}
		row("HR webhook", s.hookURL, note)
	}
	if s.hookL != nil {
		for _, v := range s.cfg.Vendors.Vendors() {
			row("HR source", "http://"+s.hookL.Addr().String()+"/v1/hooks/"+v, v+" webhook, records read with its API")
		}
	}
	if d := s.cfg.Directory.Settings; d.On {
		row("HR source", "directory", "Entra's users delta query every "+d.Interval.String())
	}
	if s.waiters != nil && s.hookL != nil {
		row("Pickup page", "http://"+s.hookL.Addr().String()+"/p/...", "delivery by pickup link: the links in the invitations")
	}
	row("Health, metrics", s.HTTPURL(), "/healthz /readyz /metrics")
	row("Workers", "task queues "+workflows.TaskQueue+", "+workflows.GraphTaskQueue, "")
	if s.temporal != nil {
		b.WriteString("Try next:\n")
		fmt.Fprintf(&b, "  go run ./starter hire --employee-id E1002 --user katherine.johnson@contoso.example \\\n"+
			"      --time-zone America/New_York --start-date today --start-time 00:00   a joiner who starts now\n")
		fmt.Fprintf(&b, "  go run ./starter status E1002       the journey as a timeline\n")
		fmt.Fprintf(&b, "  go run ./starter check-tenant      read the tenant's TAP policy through a workflow\n")
		if s.emuURL != "" {
			fmt.Fprintf(&b, "  curl -s %s/_emulator/users   see the demo directory\n", s.emuURL)
		}
		if s.temporal.UIURL() != "" {
			fmt.Fprintf(&b, "  open %s            watch the workflows\n", s.temporal.UIURL())
		}
	}
	b.WriteString("Stop with Ctrl-C.\n")
	return b.String()
}
