// Package issuance holds tapflow's tenant-wide issuance guard: the rules of the circuit breaker (more passes in
// a sliding hour than the limit pauses all issuance until a person resumes it) and of the tenant-wide daily
// limit on recoveries and re-registrations, and the client that asks the guard's workflow for a verdict. A
// compromised HR feed or webhook secret cannot mint a hundred passes: each pass is reserved here first.
package issuance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The guard's names in Temporal: one workflow per namespace.
const (
	WorkflowID   = "tapflow-issuance-guard"
	WorkflowName = "IssuanceGuard"
	// UpdateReserve asks for verdicts on passes ([]Request → []Verdict, in order).
	UpdateReserve = "reserve"
	// UpdateResume lifts a pause (ResumeRequest → Status).
	UpdateResume = "resume"
	// QueryStatus reads the guard's Status.
	QueryStatus = "status"
	// SignalResumed tells a journey held by a pause that issuance goes on.
	SignalResumed = "issuance-resumed"
)

// Reason codes.
const (
	// ReasonPaused: issuance is paused; the journey waits in stage held until a person resumes it.
	ReasonPaused = "issuance_paused"
	// ReasonRecoveryLimit: the tenant's recoveries and re-registrations for the last 24 hours are used up.
	ReasonRecoveryLimit = "recovery_limit_tenant"
	// ReasonRestarted: the guard's earlier run was closed outside tapflow, so what it counted is lost; issuance
	// is paused (the journeys' verdicts are issuance_paused) until a person resumes it.
	ReasonRestarted = "guard_restarted"
)

// Kinds of pass, as the guard counts them.
const (
	KindPass     = "pass"     // a joiner's pass, a reissue
	KindRecovery = "recovery" // a helpdesk recovery or a mover's re-registration: also counted per day
)

// Limits are the worker's settings; 0 turns a limit off.
type Limits struct {
	PerHour          int `json:"per_hour"`           // TAPFLOW_ISSUANCE_LIMIT
	RecoveriesPerDay int `json:"recoveries_per_day"` // TAPFLOW_TENANT_RECOVERIES_PER_DAY
}

// Off reports whether neither limit applies, so nothing needs asking.
func (l Limits) Off() bool { return l.PerHour <= 0 && l.RecoveriesPerDay <= 0 }

// Request asks for one pass. Key names the pass (its journey and its number there), so a retried attempt is
// answered as the first one was and counted once.
type Request struct {
	Kind       string `json:"kind"`
	Key        string `json:"key,omitempty"`
	WorkflowID string `json:"workflow_id"` // the journey to signal when a pause is lifted
	Limits     Limits `json:"limits"`
}

// Verdict answers a Request.
type Verdict struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`  // ReasonPaused or ReasonRecoveryLimit when not allowed
	Tripped bool   `json:"tripped,omitempty"` // this request tripped the breaker: announce the pause
}

// ResumeRequest lifts a pause: who decided, and why (audited).
type ResumeRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Status is what doctor and starter show.
type Status struct {
	Paused            bool      `json:"paused"`
	PausedAt          time.Time `json:"paused_at,omitempty"`
	PauseReason       string    `json:"pause_reason,omitempty"`
	Held              int       `json:"held"` // journeys waiting for the pause to lift
	IssuedLastHour    int       `json:"issued_last_hour"`
	RecoveriesLast24h int       `json:"recoveries_last_24h"`
	LastResumedBy     string    `json:"last_resumed_by,omitempty"`
	LastResumedAt     time.Time `json:"last_resumed_at,omitempty"`
	LastResumeReason  string    `json:"last_resume_reason,omitempty"`
}

// State is the guard's memory, carried across continue-as-new.
type State struct {
	Issued       []Reservation `json:"issued"`     // passes allowed in the last hour
	Recoveries   []Reservation `json:"recoveries"` // recoveries allowed in the last 24 hours
	Paused       bool          `json:"paused"`
	PausedAt     time.Time     `json:"paused_at,omitempty"`
	PauseReason  string        `json:"pause_reason,omitempty"` // ReasonPaused, or ReasonRestarted
	Announced    bool          `json:"announced,omitempty"`    // the security mailbox was told of this pause
	Held         []string      `json:"held,omitempty"`         // workflow ids to signal on resume
	ResumedBy    string        `json:"resumed_by,omitempty"`
	ResumedAt    time.Time     `json:"resumed_at,omitempty"`
	ResumeReason string        `json:"resume_reason,omitempty"`
}

// Reservation is one pass the guard allowed: when, and its key.
type Reservation struct {
	At  time.Time `json:"at"`
	Key string    `json:"key,omitempty"`
}

// Restarted is the state a guard starts from when an earlier run of it was closed (cancelled, terminated, or
// failed) outside tapflow: its counts are lost, so issuance stays paused until a person resumes it.
func Restarted(now time.Time) State {
	return State{Paused: true, PausedAt: now, PauseReason: ReasonRestarted}
}

// CheckBatch refuses a reservation batch that is empty, too large, or asks for an unknown kind of pass.
func CheckBatch(reqs []Request) error {
	if len(reqs) == 0 || len(reqs) > maxBatch {
		return fmt.Errorf("requests: between 1 and %d", maxBatch)
	}
	for i, r := range reqs {
		if r.Kind != KindPass && r.Kind != KindRecovery {
			return fmt.Errorf("requests[%d].kind: want %s or %s", i, KindPass, KindRecovery)
		}
	}
	return nil
}

// Check refuses a resume that names no person or no reason, or whose text is too long.
func (r ResumeRequest) Check() error {
	switch {
	case strings.TrimSpace(r.By) == "":
		return errors.New("by: name the person who resumes issuance (--by)")
	case strings.TrimSpace(r.Reason) == "":
		return errors.New("reason: say why issuance may go on (--reason)")
	case len(r.By) > 200:
		return errors.New("by: at most 200 characters")
	case len(r.Reason) > 1000:
		return errors.New("reason: at most 1000 characters")
	}
	return nil
}

// Reserve judges one request at now and records what it allows. A request whose key was allowed within the
// windows is allowed again, uncounted. A paused guard holds every request; a recovery over the daily limit is
// refused; a pass over the hourly limit trips the breaker and is held.
func (s *State) Reserve(now time.Time, r Request) Verdict {
	s.forget(now)
	if r.Key != "" && slices.ContainsFunc(s.Issued, func(x Reservation) bool { return x.Key == r.Key }) {
		return Verdict{Allowed: true}
	}
	if s.Paused {
		s.hold(r.WorkflowID)
		return Verdict{Reason: ReasonPaused}
	}
	if r.Kind == KindRecovery && r.Limits.RecoveriesPerDay > 0 && len(s.Recoveries) >= r.Limits.RecoveriesPerDay {
		return Verdict{Reason: ReasonRecoveryLimit}
	}
	if r.Limits.PerHour > 0 && len(s.Issued) >= r.Limits.PerHour {
		s.Paused, s.PausedAt, s.PauseReason = true, now, ReasonPaused
		s.hold(r.WorkflowID)
		return Verdict{Reason: ReasonPaused, Tripped: true}
	}
	s.Issued = append(s.Issued, Reservation{At: now, Key: r.Key})
	if r.Kind == KindRecovery {
		s.Recoveries = append(s.Recoveries, Reservation{At: now, Key: r.Key})
	}
	return Verdict{Allowed: true}
}

// CheckResume refuses a resume of a guard that is not paused: a resume starts a fresh hour, so one sent ahead
// of every trip would defeat the breaker.
func (s *State) CheckResume(r ResumeRequest) error {
	if err := r.Check(); err != nil {
		return err
	}
	if !s.Paused {
		return errors.New("issuance is not paused: nothing to resume")
	}
	return nil
}

// Resume lifts a pause and starts a fresh hour; it returns the held journeys to tell.
func (s *State) Resume(now time.Time, r ResumeRequest) []string {
	held := s.Held
	s.Paused, s.PausedAt, s.PauseReason, s.Announced, s.Held, s.Issued = false, time.Time{}, "", false, nil, nil
	s.ResumedBy, s.ResumedAt, s.ResumeReason = r.By, now, r.Reason
	return held
}

// Status reports the state at now, without changing it.
func (s *State) Status(now time.Time) Status {
	return Status{Paused: s.Paused, PausedAt: s.PausedAt, PauseReason: s.PauseReason, Held: len(s.Held),
		IssuedLastHour: len(since(s.Issued, now.Add(-time.Hour))), RecoveriesLast24h: len(since(s.Recoveries, now.Add(-24*time.Hour))),
		LastResumedBy: s.ResumedBy, LastResumedAt: s.ResumedAt, LastResumeReason: s.ResumeReason}
}

// hold remembers a journey to tell on resume, once.
func (s *State) hold(workflowID string) {
	if workflowID != "" && !slices.Contains(s.Held, workflowID) {
		s.Held = append(s.Held, workflowID)
	}
}

// forget drops what fell out of the windows.
func (s *State) forget(now time.Time) {
	s.Issued = since(s.Issued, now.Add(-time.Hour))
	s.Recoveries = since(s.Recoveries, now.Add(-24*time.Hour))
}

func since(rs []Reservation, from time.Time) []Reservation {
	i := 0
	for i < len(rs) && !rs[i].At.After(from) {
		i++
	}
	return rs[i:]
}
