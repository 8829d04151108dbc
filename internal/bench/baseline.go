package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/benchworker"
)

// Shape is a workflow's round trips up to its delivery (benchworker's).
type Shape = benchworker.Shape

// runBaseline starts count baseline workflows at once on the worker process's baseline worker and returns
// workflows completed per second.
func runBaseline(ctx context.Context, c client.Client, count int, shape Shape) (float64, error) {
	began := time.Now()
	runs := make([]client.WorkflowRun, count)
	err := parallel(count, func(i int) error {
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-baseline/%d/%d", began.UnixNano(), i), TaskQueue: benchworker.BaselineQueue,
		}, benchworker.BaselineWorkflow, shape)
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
func parallel(n int, f func(int) error) error { return parallelOn(32, n, f) }

// parallelOn runs f(0..n-1) on width goroutines and returns the first error.
func parallelOn(width, n int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for g := 0; g < width; g++ {
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
