package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
)

// vendorActs is the vendor notices' activities' type-safe name.
var vendorActs *activities.Vendors

// VendorNotice handles one employee an HR vendor's webhook named (started by the receiver, id
// hooks.NoticeWorkflowID): the record is fetched from the vendor's API if the delivery carried none, normalised
// with the mapping and handed to the intake. A slow or failing vendor API is retried for a day; the webhook
// has long since been answered.
func VendorNotice(ctx workflow.Context, req activities.NoticeRequest) (activities.NoticeResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrVendorNotFound, activities.ErrVendorRecord}},
	})
	var res activities.NoticeResult
	err := workflow.ExecuteActivity(ctx, vendorActs.HandleNotice, req).Get(ctx, &res)
	if err != nil {
		workflow.GetLogger(ctx).Warn("an HR vendor notice gave no event", "source", req.Notice.Vendor, "error", err)
	}
	return res, err
}
