package workflows

import "github.com/tapflow/tapflow/internal/hrevent"

// Message names of the Employee workflow.
const (
	// UpdateEvent applies an HR event and answers accepted, duplicate or stale.
	UpdateEvent = "event"
	// SignalEvent applies an HR event without an answer (the batch path).
	SignalEvent = "event"
	// SignalRegistered hints that the employee just registered a method: check now instead of at the next poll.
	SignalRegistered = "registered"
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

// Stages of a journey, as the TapflowStage search attribute shows them.
const (
	StageReceived             = "received"
	StagePreflight            = "preflight"
	StageAwaitingApproval     = "awaiting_approval"
	StageWaitingForStart      = "waiting_for_start"
	StageIssuing              = "issuing"
	StageAwaitingRegistration = "awaiting_registration"
	StageRevoking             = "revoking"
	StageDone                 = "done"
)

// Outcomes of a journey, as the TapflowOutcome search attribute shows them. Pre-flight and delivery refusals
// use their reason codes (activities.Refused*) as the outcome.
const (
	OutcomeRegistered = "registered"
	OutcomeExpired    = "expired"
	OutcomeCancelled  = "cancelled"
	OutcomeDeparted   = "departed"
)

// Event statuses returned by UpdateEvent.
const (
	EventAccepted  = hrevent.StatusAccepted
	EventDuplicate = hrevent.StatusDuplicate
	EventStale     = hrevent.StatusStale
)
