package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tapflow/tapflow/activities"
)

// checked is what the last pre-flight that passed found, for the steps after it.
type checked struct {
	at        time.Time             // when
	recipient *activities.Recipient // the user and manager, read with the user (see issueAndDeliver)
	ignore    []string              // strong method ids there before the journey: only a new one counts
	baselined bool                  // ignore is set: a later pre-flight keeps the first baseline
}

// freshCheck is how recent the intake's pre-flight must be for the first morning to rely on it: a joiner
// starting today is issued a pass moments after intake, and checking again would repeat the same reads.
const freshCheck = 10 * time.Minute

// preflightAndApproval runs pre-flight and holds a privileged user until approved. A non-empty outcome ends
// the journey; verb words its refusal for a user who already holds a strong method ("has", "registered").
func (j *journey) preflightAndApproval(ctx workflow.Context, verb string) (Outcome, string, error) {
	pre, err := j.preflight(ctx)
	if err != nil || pre.Refusal != "" {
		return refused(pre.Refusal), pre.Message, err
	}
	if outcome, reason := j.pinAccount(ctx, pre.UserID); outcome != "" {
		return outcome, reason, nil
	}
	if j.spec.baseline {
		if !j.checked.baselined {
			j.checked.ignore, j.checked.baselined = pre.StrongMethodIDs, true
		}
	} else if len(pre.StrongMethods) > 0 {
		return refused(activities.RefusedAlreadyRegistered),
			"The user " + verb + " a strong method (" + pre.StrongMethods[0] + "): no pass is needed.", nil
	}
	if pre.Privileged {
		return "", "", j.awaitApproval(ctx, pre.Roles, pre.HoldReason)
	}
	return "", "", nil
}

// preflight checks the user, the tenant policy, their roles and their methods (activities.Journey.Preflight).
func (j *journey) preflight(ctx workflow.Context) (activities.PreflightResult, error) {
	var pre activities.PreflightResult
	err := workflow.ExecuteActivity(graphRead(ctx), journeyActs.Preflight,
		activities.PreflightRequest{User: j.rec.User, EmployeeID: j.employeeID, Strength: j.spec.strength}).Get(ctx, &pre)
	if err == nil && pre.UserID != "" {
		j.rec.UserID, j.rec.Language = pre.UserID, pre.Language
	}
	if err == nil && pre.Refusal == "" {
		j.checked.at, j.checked.recipient = workflow.Now(ctx), pre.Recipient
	}
	return pre, err
}

// awaitApproval holds a privileged user's journey until someone approves it (UpdateApprove); once approved,
// a later pre-flight does not hold it again.
func (j *journey) awaitApproval(ctx workflow.Context, roles []string, reason string) error {
	if j.rec.ApprovedBy != "" && !j.approvalOutgrown(ctx, roles) {
		return nil
	}
	if reason == "" {
		reason = activities.HoldPrivileged
	}
	j.rec.Roles, j.rec.HeldFor = roles, reason
	j.logger.Info("audit journey.held", "audit", true, "action", "journey.held", "employee_id", j.employeeID,
		"user_id", j.rec.UserID, "reason", reason)
	j.stage(ctx, StageAwaitingApproval)
	err := workflow.Await(ctx, func() bool { return j.rec.ApprovedBy != "" })
	j.rec.HeldFor = ""
	return err
}

// approvalOutgrown says the user now holds privilege the approval did not cover (a role granted since, or one
// that could not be read then and can now): the approval is withdrawn, audited, and a new one is needed.
func (j *journey) approvalOutgrown(ctx workflow.Context, roles []string) bool {
	for _, r := range roles {
		if !slices.Contains(j.rec.ApprovedRoles, r) {
			// Runs from before the check replay as they ran; the marker is written only by the runs that reach here.
			if workflow.GetVersion(ctx, approvalScopeChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				return false
			}
			j.logger.Info("audit journey.approval_withdrawn", "audit", true, "action", "journey.approval_withdrawn",
				"employee_id", j.employeeID, "user_id", j.rec.UserID, "reason", "privilege_grew")
			j.rec.ApprovedBy, j.rec.ApprovedRoles = "", nil
			return true
		}
	}
	return false
}

// approvalScopeChange is the workflow change that ties an approval to the roles it was given for.
const approvalScopeChange = "approval-scope"

// checkedRecently says the first morning may rely on the intake's pre-flight: the first pass of a journey
// checked minutes ago (not a rehire's, whose account is checked once it may have been re-enabled).
func (j *journey) checkedRecently(ctx workflow.Context) bool {
	return !j.spec.rehire && j.rec.Attempts == 0 && !j.checked.at.IsZero() && workflow.Now(ctx).Sub(j.checked.at) < freshCheck
}

// pinAccount keeps the employee to one account: the first one resolved, or the one a hire issued a pass for
// (HR's say-so; see movePin). A recovery or re-registration naming another account (say the employee's own
// administrator account, which carries the same employeeId) is refused with identity_changed and audited. A
// hire naming another account goes on, but moves the pin only once its pass is issued: a hire that issues
// nothing (the account already has a passkey) cannot open the way for a recovery.
func (j *journey) pinAccount(ctx workflow.Context, userID string) (Outcome, string) {
	if pinned := *j.account; pinned == "" || pinned == userID {
		*j.account = userID
		return "", ""
	}
	if j.rec.Kind == KindJoiner {
		return "", ""
	}
	// Runs from before the guard replay as they ran; the marker is written only by the runs that reach here.
	if workflow.GetVersion(ctx, pinAccountChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return "", ""
	}
	j.logger.Info("audit tap.refused", "audit", true, "action", "tap.refused", "employee_id", j.employeeID,
		"user_id", userID, "reason", string(OutcomeIdentityChanged))
	return OutcomeIdentityChanged, "The " + string(j.rec.Kind) + " names another Entra account than the employee's own " +
		"(first resolved for them, or named by their last hire): no pass. A hire for the new account moves it."
}

// pinAccountChange is the workflow change that brought pinAccount's refusal.
const pinAccountChange = "pin-account"

// movePin pins the account a hire's pass was issued for.
func (j *journey) movePin() {
	if j.rec.Kind == KindJoiner {
		*j.account = j.rec.UserID
	}
}
