package workflows

import (
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/watch"
)

// EmployeeWorkflowType is the Employee workflow's type name (its function's).
const EmployeeWorkflowType = "Employee"

// Message names of the Employee workflow.
const (
	// UpdateEvent applies an HR event and answers accepted, duplicate or stale.
	UpdateEvent = "event"
	// SignalEvent applies an HR event without an answer (the batch path).
	SignalEvent = "event"
	// SignalRegistered hints that the employee just registered a method: check now instead of at the next poll.
	// The tenant watch sends it when the audit log shows a registration.
	SignalRegistered = watch.SignalRegistered
	// SignalTAPSignIn tells the journey of a sign-in made with a pass (graph.SignIn), from the sign-in log.
	SignalTAPSignIn = watch.SignalTAPSignIn
	// UpdateApprove lets a privileged user's pass be issued; it names the approver.
	UpdateApprove = "approve"
	// UpdateCancel stops the running journey and revokes its pass.
	UpdateCancel = "cancel"
	// UpdateReissue revokes the current pass and issues a new one now.
	UpdateReissue = "reissue"
	// QueryStatus returns the employee's Status.
	QueryStatus = "status"
)

// EmployeeWorkflowID is the id of an employee's workflow. It holds the HR employee id only: no name, no mail.
func EmployeeWorkflowID(employeeID string) string { return "employee/" + employeeID }

// Kind is what a journey is for, as the TapflowKind search attribute shows it.
type Kind string

// The kinds of journey, and the departure (which is not a journey but shows in the same attribute).
const (
	KindJoiner   Kind = "joiner"   // a hire's first pass, on the first morning
	KindMover    Kind = "mover"    // a re-registration after a job change, at once
	KindRecovery Kind = "recovery" // a helpdesk recovery, at once
	KindLeaver   Kind = "leaver"   // a termination carried out
)

// Stage is where a journey stands, as the TapflowStage search attribute shows it.
type Stage string

// The stages of a journey, in the order a joiner meets them.
const (
	StageReceived             Stage = "received"
	StagePreflight            Stage = "preflight"
	StageAwaitingApproval     Stage = "awaiting_approval"
	StageWaitingForStart      Stage = "waiting_for_start"
	StageIssuing              Stage = "issuing"
	StageHeld                 Stage = "held"     // the issuance guard paused all issuance: waiting for a person to resume it
	StageInvited              Stage = "invited"  // the pickup link was sent: waiting for the hire to reveal the pass
	StageRevealed             Stage = "revealed" // the hire revealed the pass, which was created at that moment
	StageAwaitingRegistration Stage = "awaiting_registration"
	StageRevoking             Stage = "revoking"
	StageDone                 Stage = "done"
)

// Stages lists the stages in the order a joiner meets them (revoking lasts moments and is left out; held comes
// only while issuance is paused).
func Stages() []Stage {
	return []Stage{StageReceived, StagePreflight, StageAwaitingApproval, StageWaitingForStart, StageIssuing, StageHeld,
		StageInvited, StageRevealed, StageAwaitingRegistration, StageDone}
}

// Outcome is how a journey ended, as the TapflowOutcome search attribute shows it. A refusal (pre-flight's or
// delivery's) is its own outcome: its reason code (activities.Refused*), see refused.
type Outcome string

// The outcomes of a journey that are not refusals.
const (
	OutcomeRegistered     Outcome = "registered"
	OutcomeExpired        Outcome = "expired"
	OutcomeCancelled      Outcome = "cancelled"
	OutcomeDeparted       Outcome = "departed"
	OutcomeRevokeFailed   Outcome = "revoke_failed"
	OutcomeFailed         Outcome = "failed"
	OutcomeGraphForbidden Outcome = "graph_forbidden"
	OutcomeGraphAuth      Outcome = "graph_unauthorized"
	OutcomeGraphNotFound  Outcome = "graph_not_found"
	OutcomeGraphRefused   Outcome = "graph_refused"
	OutcomeDeliveryFailed Outcome = "delivery_failed"
	OutcomeInvalidStart   Outcome = "invalid_start"
	// OutcomeIdentityChanged: a recovery or re-registration named another account than the employee's own.
	OutcomeIdentityChanged Outcome = "identity_changed"
)

// refused is the outcome of a journey that a refusal ended: the refusal's own reason code.
func refused(r activities.Refusal) Outcome { return Outcome(r) }

// Event statuses returned by UpdateEvent.
const (
	EventAccepted  = hrevent.StatusAccepted
	EventDuplicate = hrevent.StatusDuplicate
	EventStale     = hrevent.StatusStale
)

// errInvalidStart is the failure type of a start date and time that cannot be turned into an instant.
const errInvalidStart = "InvalidStart"
