package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// The baseline's task queues: its workflows on one, its activities on another, as tapflow's Graph activities
// run on a queue of their own (the one the server rate-limits). An activity on its workflow's own queue would
// run eagerly, handed back with the workflow task without the matching service, which a joiner's cannot.
const (
	baselineQueue         = "tapflow-bench-baseline"
	baselineActivityQueue = "tapflow-bench-baseline-activities"
)

// Shape is a workflow's round trips up to its delivery: activities through the task queue, and local ones.
type Shape struct {
	Activities int `json:"activities"`
	Local      int `json:"local_activities"`
}

// BaselineWorkflow runs the shape's no-op local activities, then its no-op activities, one after another: the
// engine's cost of a workflow with a joiner's round trips, and nothing of tapflow's.
func BaselineWorkflow(ctx workflow.Context, s Shape) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	for i := 0; i < s.Local; i++ {
		if err := workflow.ExecuteLocalActivity(lctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: baselineActivityQueue, StartToCloseTimeout: time.Minute})
	for i := 0; i < s.Activities; i++ {
		if err := workflow.ExecuteActivity(ctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noop(context.Context) error { return nil }

// runBaseline starts count baseline workflows at once on the worker process's baseline worker and returns
// workflows completed per second.
func runBaseline(ctx context.Context, c client.Client, count int, shape Shape) (float64, error) {
	began := time.Now()
	runs := make([]client.WorkflowRun, count)
	err := parallel(count, func(i int) error {
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-baseline/%d/%d", began.UnixNano(), i), TaskQueue: baselineQueue,
		}, BaselineWorkflow, shape)
		runs[i] = r
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start baseline workflows: %w", err)
	}
	if err := parallel(count, func(i int) error { return runs[i].Get(ctx, nil) }); err != nil {
		return 0, fmt.Errorf("baseline workflow: %w", err)
	}
	return float64(count) / time.Since(began).Seconds(), nil
}

// parallel runs f(0..n-1) on 32 goroutines and returns the first error.
func parallel(n int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
