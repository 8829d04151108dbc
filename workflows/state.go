package workflows

import (
	"time"

	"github.com/tapflow/tapflow/internal/hrevent"
)

// EmployeeInput starts (or continues as new) an employee's workflow.
type EmployeeInput struct {
	EmployeeID string          `json:"employee_id"`
	State      *EmployeeState  `json:"state,omitempty"` // carried across continue-as-new
	Pending    []hrevent.Event `json:"pending,omitempty"`
}

// EmployeeState is everything the employee's workflow remembers.
type EmployeeState struct {
	EmployeeID string                 `json:"employee_id"`
	Applied    []string               `json:"applied"`            // every event id applied, for idempotency
	LastSeen   map[hrevent.Type]int64 `json:"last_seen"`          // newest occurred_at applied (Unix ns), per type
	Journey    *Journey               `json:"journey"`            // the current or last journey
	Events     []EventRecord          `json:"events"`             // what happened to each event, newest last
	LeaveAt    time.Time              `json:"leave_at,omitempty"` // a termination still to come
	LeaveEvent hrevent.Event          `json:"leave_event,omitempty"`
	User       string                 `json:"user,omitempty"` // the last Entra user reference HR sent
	// Account is the Entra object id this employee's journeys act on, pinned on its first resolution: a hire may
	// move it, a recovery or re-registration naming another account is refused.
	Account    string          `json:"account,omitempty"`
	Leaver     *Leaver         `json:"leaver,omitempty"`     // the departure, once carried out
	Recoveries []time.Time     `json:"recoveries,omitempty"` // when helpdesk recoveries were applied
	Changes    hrevent.Changes `json:"changes"`              // the last job change
	// PendingMover is a re-registration waiting for the running journey to end.
	PendingMover *hrevent.Event `json:"pending_mover,omitempty"`
}

// Leaver is a carried-out departure.
type Leaver struct {
	EventID         string    `json:"event_id"`
	OccurredAt      time.Time `json:"occurred_at"` // the termination's HR time, to order a late hire against it
	Left            time.Time `json:"left"`
	UserID          string    `json:"user_id,omitempty"`
	PassesRevoked   int       `json:"passes_revoked"`
	SessionsRevoked bool      `json:"sessions_revoked"`
	Disabled        bool      `json:"disabled"`
	Outcome         Outcome   `json:"outcome"`
	Reason          string    `json:"reason"`
}

// EventRecord is how one event was handled.
type EventRecord struct {
	ID         string       `json:"id"`
	Type       hrevent.Type `json:"type"`
	OccurredAt time.Time    `json:"occurred_at"`
	Status     string       `json:"status"`
	Note       string       `json:"note,omitempty"`
}

// Journey is one TAP journey: what was asked, where it stands, and how it ended.
type Journey struct {
	Kind        Kind   `json:"kind"`
	RequestedBy string `json:"requested_by,omitempty"`
	EventID     string `json:"event_id"`
	User        string `json:"user"`    // the HR record's user reference
	UserID      string `json:"user_id"` // the Entra object id
	TimeZone    string `json:"time_zone"`
	StartDate   string `json:"start_date"`
	StartTime   string `json:"start_time,omitempty"`
	Language    string `json:"language,omitempty"`

	Stage      Stage   `json:"stage"`
	Outcome    Outcome `json:"outcome,omitempty"`
	Reason     string  `json:"reason,omitempty"` // a human sentence
	ApprovedBy string  `json:"approved_by,omitempty"`
	// ApprovedRoles are the roles the approval was given for; a later pre-flight that finds more holds again.
	ApprovedRoles []string `json:"approved_roles,omitempty"`
	Roles         []string `json:"roles,omitempty"`
	// HeldFor is why the journey waits: for approval (privileged, or privilege_unknown: a read was refused), or
	// in stage held for the issuance guard (issuance_paused). Cleared once the wait ends.
	HeldFor string `json:"held_for,omitempty"`

	Scheduled  time.Time `json:"scheduled,omitempty"`
	Issued     time.Time `json:"issued,omitempty"`
	Expires    time.Time `json:"expires,omitempty"`
	Registered time.Time `json:"registered,omitempty"`
	Revoked    time.Time `json:"revoked,omitempty"`

	MethodID         string `json:"method_id,omitempty"` // the live pass, if any
	Channel          string `json:"channel,omitempty"`
	MessageID        string `json:"message_id,omitempty"`
	RegisteredMethod string `json:"registered_method,omitempty"`
	Attempts         int    `json:"attempts"` // passes issued
	Reissues         int    `json:"reissues"`
	// Pickup is the journey's pickup link, when it delivers by link.
	Pickup *PickupLink `json:"pickup,omitempty"`
	// SignIns are the sign-ins made with a pass for this journey's account, from the sign-in log (the last
	// maxSignIns).
	SignIns []PassSignIn `json:"sign_ins,omitempty"`
}

// PassSignIn is a sign-in made with a pass, as the tenant watch read it from the sign-in log.
type PassSignIn struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Result    string    `json:"result"` // success or failure
	IPAddress string    `json:"ip_address,omitempty"`
	City      string    `json:"city,omitempty"`
	Country   string    `json:"country,omitempty"`
	ClientApp string    `json:"client_app,omitempty"`
	App       string    `json:"app,omitempty"`
	// AfterRevoke: the pass was used after the journey revoked it or it expired (pass_used_after_revoke).
	AfterRevoke bool `json:"after_revoke,omitempty"`
}

// Status is the answer to QueryStatus.
type Status struct {
	EmployeeID string        `json:"employee_id"`
	Journey    *Journey      `json:"journey,omitempty"`
	Leaver     *Leaver       `json:"leaver,omitempty"`
	LeaveAt    *time.Time    `json:"leave_at,omitempty"` // a termination still to come
	Events     []EventRecord `json:"events"`
}

// EventResult answers UpdateEvent.
type EventResult = hrevent.Result

// ApproveRequest approves a privileged user's pass. It names what it approves, the employee and the journey
// (the event that started it), so an approval meant for one journey cannot be replayed onto another.
type ApproveRequest struct {
	EmployeeID string `json:"employee_id"`
	EventID    string `json:"event_id"`
	Approver   string `json:"approver"`
	Reason     string `json:"reason,omitempty"`
}

// ActionRequest is a manual cancel or reissue: who asked and why.
type ActionRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
}
