package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrvendor"
	"github.com/tapflow/tapflow/workflows"
)

// NoticeWorkflowID names a notice's workflow: the vendor and a hash of the delivery, the employee and the kind.
// The same delivery sent again names the same workflow, and the vendor's ids never appear in it.
func NoticeWorkflowID(n hrvendor.Notice) string {
	sum := sha256.Sum256([]byte(n.DeliveryID + "\x00" + n.EmployeeID + "\x00" + n.Kind))
	return "source/" + n.Vendor + "/" + hex.EncodeToString(sum[:16])
}

// StartNotice is the Starter on a Temporal client: it starts the notice's workflow, which fetches the record
// and hands the events to the intake; a workflow of that id running or completed is a duplicate. One that
// failed (the vendor's API refused for a day, say) is started again by the vendor's next delivery.
func StartNotice(c client.Client) Starter {
	return func(ctx context.Context, n hrvendor.Notice) (bool, error) {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                       NoticeWorkflowID(n),
			TaskQueue:                workflows.TaskQueue,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, // a notice that failed is tried again
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		}, workflows.VendorNotice, activities.NoticeRequest{Notice: n})
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		switch {
		case errors.As(err, &started):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("start the workflow of a %s notice: %w", n.Vendor, err)
		}
		return false, nil
	}
}
