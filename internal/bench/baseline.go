package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const baselineQueue = "tapflow-bench-baseline"

// BaselineWorkflow runs n no-op activities one after another: the engine's cost of a workflow with a joiner's
// activity round trips, and nothing of tapflow's.
func BaselineWorkflow(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for i := 0; i < n; i++ {
		if err := workflow.ExecuteActivity(ctx, noop).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noop(context.Context) error { return nil }

// runBaseline starts count baseline workflows at once and returns workflows completed per second.
func runBaseline(ctx context.Context, c client.Client, count, activities int) (float64, error) {
	w := worker.New(c, baselineQueue, worker.Options{})
	w.RegisterWorkflow(BaselineWorkflow)
	w.RegisterActivity(noop)
	if err := w.Start(); err != nil {
		return 0, fmt.Errorf("start the baseline worker: %w", err)
	}
	defer w.Stop()
	began := time.Now()
	runs := make([]client.WorkflowRun, count)
	err := parallel(count, func(i int) error {
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-baseline/%d/%d", began.UnixNano(), i), TaskQueue: baselineQueue,
		}, BaselineWorkflow, activities)
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
