package stack

import (
	"context"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/watch"
	"github.com/tapflow/tapflow/workflows"
)

// bindWatch binds the tenant watch's settings.
func bindWatch(s *cliconf.Set, w *activities.WatchSettings) {
	d := activities.DefaultWatchSettings()
	s.Bool(&w.On, "tenant-watch", d.On, "read the tenant's audit and sign-in logs once an interval for every user "+
		"(needs AuditLog.Read.All and Directory.Read.All); off: every waiting journey polls on its own")
	s.Duration(&w.Interval, "tenant-watch-interval", d.Interval, "how often the tenant watch reads the logs")
	s.Duration(&w.Overlap, "tenant-watch-overlap", d.Overlap, "how far back each read goes before the last, for entries the logs ingest late")
	s.Duration(&w.SafetyNet, "safety-net-interval", d.SafetyNet, "while the watch is healthy, how often a waiting journey still looks for itself")
	s.Duration(&w.ReconcileEvery, "reconcile-interval", d.ReconcileEvery, "how often tapflow's passes are checked against the open journeys (orphans are revoked)")
	s.String(&w.AppID, "graph-app-id", "", "tapflow's application (client) ids, comma-separated (the workers' and the pickup page's), "+
		"which tell its passes from others' (default: AZURE_CLIENT_ID)")
	s.Enum(&w.ShadowPass, "shadow-pass", d.ShadowPass, []string{activities.ShadowAlert, activities.ShadowRevoke},
		"a pass created outside tapflow: alert (the security mailbox, a metric, the audit log), or revoke it too")
}

// watchSettings completes the watch's settings: tapflow's app id from the Graph credentials (the emulator's
// own app with the emulator), and checks them.
func (s *Stack) watchSettings(w *activities.WatchSettings) error {
	if w.AppID == "" {
		w.AppID = s.cfg.Graph.ClientID
	}
	if w.AppID == "" && s.mode == GraphEmulator {
		w.AppID = graphemu.DefaultAppID
	}
	if !w.On {
		return nil
	}
	if w.Interval < 10*time.Second {
		return fmt.Errorf("TAPFLOW_TENANT_WATCH_INTERVAL=%s: at least 10s (the reports API allows about 5 requests per 10 s)", w.Interval)
	}
	for _, id := range strings.Split(w.AppID, ",") {
		if id = strings.TrimSpace(id); id != "" && !watch.ValidUserID(id) {
			return fmt.Errorf("TAPFLOW_GRAPH_APP_ID: application ids are GUIDs, comma-separated")
		}
	}
	switch {
	case w.AppID == "" && w.ShadowPass == activities.ShadowRevoke:
		return fmt.Errorf("TAPFLOW_SHADOW_PASS=revoke needs tapflow's app id (TAPFLOW_GRAPH_APP_ID): without it every pass, " +
			"tapflow's own too, would count as created outside tapflow and be revoked")
	case w.AppID == "":
		s.log.Warn("tapflow's app id is unknown (set TAPFLOW_GRAPH_APP_ID): the tenant watch reports every pass as created outside tapflow")
	}
	if w.SafetyNet > 2*time.Hour || w.Interval > 10*time.Minute {
		return fmt.Errorf("TAPFLOW_SAFETY_NET_INTERVAL (at most 2h) or TAPFLOW_TENANT_WATCH_INTERVAL (at most 10m) is too long: " +
			"a registration the watch misses would leave a pass live that long")
	}
	return nil
}

// watchDeps adds the tenant watch's parts to the activities' dependencies, when the Graph client reads logs.
func (s *Stack) watchDeps(d *activities.Deps) {
	logs, ok := s.graph.(graph.LogReader)
	if !ok || !d.Joiner.Watch.On {
		return
	}
	d.Logs, d.Watch = logs, s.metrics
	d.Journeys = &watch.Journeys{Client: s.client, WorkflowType: workflows.EmployeeWorkflowType, TaskQueue: workflows.TaskQueue}
	d.WatchHealth = &watch.Health{Client: s.client}
}

// startWatch starts the namespace's tenant watch, or finds it running (its id is fixed), and keeps it running.
func (s *Stack) startWatch(ctx context.Context, on bool) error {
	if !on {
		return nil
	}
	return s.keepRunning(ctx, "the tenant watch", s.ensureWatch)
}

// keepRunning calls ensure now, and every 5 minutes until the stack stops: a namespace's singleton workflow
// (the tenant watch, the directory source) is started again if it stopped (terminated in the Web UI, say).
func (s *Stack) keepRunning(ctx context.Context, name string, ensure func(context.Context) error) error {
	if err := ensure(ctx); err != nil {
		return err
	}
	done := make(chan struct{})
	s.stops = append(s.stops, func() { close(done) })
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Minute):
				if err := ensure(ctx); err != nil {
					s.log.Warn(name+" could not be started again", "error", err)
				}
			}
		}
	}()
	return nil
}

// ensureWatch starts the watch unless it runs.
func (s *Stack) ensureWatch(ctx context.Context) error {
	_, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: watch.WorkflowID, TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.TenantWatch, workflows.WatchState{})
	if err != nil {
		return fmt.Errorf("start the tenant watch: %w", err)
	}
	return nil
}
