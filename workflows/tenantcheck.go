package workflows

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
)

// TenantReport says whether the tenant's TAP policy lets tapflow issue passes, and why not.
type TenantReport struct {
	Policy   activities.TAPPolicy `json:"policy"`
	Ready    bool                 `json:"ready"`
	Problems []string             `json:"problems,omitempty"`
}

// CheckTenant reads the tenant TAP policy through the Graph task queue and reports what would stop tapflow
// from issuing passes. It is the smallest real journey: Temporal, a worker, Graph and back.
func CheckTenant(ctx workflow.Context) (TenantReport, error) {
	w := &tenantCheck{}
	w.setup(ctx)
	return w.run(ctx)
}

type tenantCheck struct {
	logger log.Logger
}

// directory is a nil receiver for type-safe activity references; the worker registers the real one.
var directory *activities.Directory

func (w *tenantCheck) setup(ctx workflow.Context) {
	w.logger = workflow.GetLogger(ctx)
}

func (w *tenantCheck) run(ctx workflow.Context) (TenantReport, error) {
	var policy activities.TAPPolicy
	if err := workflow.ExecuteActivity(graphRead(ctx), directory.ReadTAPPolicy).Get(ctx, &policy); err != nil {
		return TenantReport{}, fmt.Errorf("read the tenant TAP policy: %w", err)
	}
	report := TenantReport{Policy: policy, Problems: policyProblems(policy)}
	report.Ready = len(report.Problems) == 0
	w.logger.Info("tenant checked", "ready", report.Ready, "problems", len(report.Problems))
	return report, nil
}

// policyProblems lists what in a TAP policy stops or weakens onboarding with passes.
func policyProblems(p activities.TAPPolicy) []string {
	var out []string
	if !p.Enabled {
		out = append(out, "the Temporary Access Pass method is disabled: enable it in Entra ID > Authentication methods > Temporary Access Pass")
	}
	if len(p.IncludeGroups) == 0 {
		out = append(out, "the TAP policy targets no users: include all users or the joiners' group")
	}
	if p.MaxLifetimeMinutes > 0 && p.MinLifetimeMinutes > p.MaxLifetimeMinutes {
		out = append(out, fmt.Sprintf("the TAP policy's minimum lifetime (%d min) exceeds its maximum (%d min)",
			p.MinLifetimeMinutes, p.MaxLifetimeMinutes))
	}
	return out
}
