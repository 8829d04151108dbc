package stack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphretry"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/workflows"
)

// startWorkers starts the lifecycle worker (workflows) and the Graph worker (every Graph activity).
func (s *Stack) startWorkers() error {
	deps, err := s.activityDeps()
	if err != nil {
		return err
	}
	s.watchDeps(&deps)
	if err := s.directoryDeps(&deps); err != nil {
		return err
	}
	if deps.Vendors, deps.VendorMapping, err = s.cfg.Vendors.Fetchers(); err != nil {
		return err
	}
	if s.cfg.WorkflowCacheSize > 0 {
		// The SDK keeps this cache per process, shared by its workers, sized when the first worker starts.
		worker.SetStickyWorkflowCacheSize(s.cfg.WorkflowCacheSize)
	}
	// In-flight activities get time to finish when the process stops (a Graph call, a mail).
	lifecycle := worker.New(s.client, workflows.TaskQueue, worker.Options{WorkerStopTimeout: 30 * time.Second})
	workflows.Register(lifecycle)

	graphWorker := worker.New(s.client, workflows.GraphTaskQueue, worker.Options{
		WorkerStopTimeout: s.cfg.Graph.Timeout + 15*time.Second,
		// Enforced by the server for the whole queue, so N workers together stay within the tenant's budget.
		TaskQueueActivitiesPerSecond: s.cfg.GraphRateLimit,
		Interceptors:                 append([]interceptor.WorkerInterceptor{&graphretry.Jitter{}}, s.cfg.GraphInterceptors...),
	})
	activities.Register(lifecycle, graphWorker, deps)
	workers := []worker.Worker{lifecycle, graphWorker}
	if deps.Joiner.Channel == activities.ChannelPickup && s.hookL != nil {
		// The pickup page's own queue: its create activity must run in the process whose response waits.
		s.waiters, s.pickupQueue = &pickup.Waiters{}, pickup.QueuePrefix+strings.ReplaceAll(s.hookL.Addr().String(), ":", "-")
		pw := worker.New(s.client, s.pickupQueue, worker.Options{WorkerStopTimeout: 30 * time.Second})
		activities.RegisterPickup(pw, deps, s.waiters)
		workers = append(workers, pw)
	}

	for _, w := range workers {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		s.workers = append(s.workers, w)
		s.stops = append(s.stops, w.Stop)
	}
	if err := s.startWatch(context.Background(), deps.Logs != nil); err != nil {
		return err
	}
	return s.startDirectory(context.Background(), deps.DirectoryReader != nil)
}
