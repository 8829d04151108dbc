// Package workflows holds tapflow's deterministic Temporal code: the journeys, their vocabulary (task queues,
// names, inputs, results) and the activity option presets. Side effects live in package activities.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
)

// Task queues. Workflows and non-Graph activities run on TaskQueue; every Graph call runs on GraphTaskQueue,
// whose workers carry the tenant-wide Graph rate limit.
const (
	TaskQueue      = "tapflow"
	GraphTaskQueue = "tapflow-graph"
)

// graphRead is the activity preset for one Graph read: a short timeout, retries with backoff for throttling
// and 5xx (throttling uses Graph's Retry-After), no retries for permanent failures.
func graphRead(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              GraphTaskQueue,
		StartToCloseTimeout:    45 * time.Second, // above the Graph client's own timeout (at most 40 s), so its typed error wins
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: activities.NonRetryableGraphErrors(),
		},
	})
}

// Register registers every workflow on a worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflow(CheckTenant)
	r.RegisterWorkflow(Employee)
	r.RegisterWorkflow(ImportFeed)
	r.RegisterWorkflow(IssuanceGuard)
	r.RegisterWorkflow(TenantWatch)
	r.RegisterWorkflow(DirectorySync)
	r.RegisterWorkflow(VendorNotice)
}

// graphWrite is the activity preset for a Graph change (issue and deliver, revoke, notify): longer backoff, the
// same non-retryable failures plus a delivery that cannot succeed.
func graphWrite(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, graphWriteOptions())
}

// withWaitForCancellation makes a cancel wait for the activity to finish, for an activity whose effect the
// workflow must know about (a pass created).
func withWaitForCancellation(o workflow.ActivityOptions) workflow.ActivityOptions {
	o.WaitForCancellation = true
	return o
}

func graphWriteOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:              GraphTaskQueue,
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        5 * time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: append([]string{activities.ErrDeliveryFailed}, activities.NonRetryableGraphErrors()...),
		},
	}
}
