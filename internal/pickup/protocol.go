package pickup

import "time"

// QueuePrefix starts every pickup page process's task queue; the journey runs its create activity on no other.
const QueuePrefix = "tapflow-pickup-"

// The employee workflow's pickup handlers, as the page calls them.
const (
	// QueryInvitation reads the invitation a hash belongs to (string → Invitation).
	QueryInvitation = "pickup"
	// SignalOpened records that the link was fetched (Opened).
	SignalOpened = "pickup-opened"
	// UpdateReveal reveals the pass (RevealUpdate → RevealAnswer).
	UpdateReveal = "pickup-reveal"
)

// OpenedSignal reports fetches of the link (at most one signal per link and page process every 10 s).
type OpenedSignal struct {
	Hash  string `json:"hash"`
	Count int    `json:"count"`
}

// RevealUpdate asks the journey to create the pass for the waiting response: the task queue of the page's
// worker, where the create activity must run, and the waiter the pass goes to.
type RevealUpdate struct {
	RevealRequest
	Queue    string `json:"queue"`
	WaiterID string `json:"waiter_id"`
}

// RevealAnswer is the journey's answer: refused (a state, or ReasonWrongCode), or what the page shows beside
// the pass.
type RevealAnswer struct {
	Refused    string     `json:"refused,omitempty"`
	Invitation Invitation `json:"invitation"`
	Account    string     `json:"account,omitempty"`
	Expires    time.Time  `json:"expires"`
	UsableOnce bool       `json:"usable_once,omitempty"`
}
