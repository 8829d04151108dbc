package stack

import (
	"fmt"

	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/workflows"
)

// startWorkers starts the lifecycle worker (workflows) and the Graph worker (every Graph activity).
func (s *Stack) startWorkers() error {
	settings, journey, err := s.journeyActivities()
	if err != nil {
		return err
	}
	lifecycle := worker.New(s.client, workflows.TaskQueue, worker.Options{})
	workflows.Register(lifecycle)
	lifecycle.RegisterActivity(settings) // a local activity: it runs beside the workflows

	graphWorker := worker.New(s.client, workflows.GraphTaskQueue, worker.Options{})
	graphWorker.RegisterActivity(&activities.Directory{Graph: s.graph})
	graphWorker.RegisterActivity(journey)

	for _, w := range []worker.Worker{lifecycle, graphWorker} {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		s.workers = append(s.workers, w)
		s.stops = append(s.stops, w.Stop)
	}
	return nil
}
