package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
)

// Deliverer sends notices; delivery.Courier is the real one.
type Deliverer interface {
	Deliver(ctx context.Context, n delivery.Notice) (delivery.Receipt, error)
}

// ErrDeliveryFailed is the type of a delivery failure a retry will not mend.
const ErrDeliveryFailed = "DeliveryFailed"

// IssueRequest asks for a pass for one user. The lifetime, the one-time flag and the channel are the worker's
// settings (Journey.Settings), fitted to the tenant policy.
type IssueRequest struct {
	EmployeeID  string    `json:"employee_id"`
	UserID      string    `json:"user_id"`
	Start       time.Time `json:"start"`
	Language    string    `json:"language,omitempty"`
	Reason      string    `json:"reason"`                 // joiner, reissue, mover, recovery, ...
	RequestedBy string    `json:"requested_by,omitempty"` // who asked, for a recovery (audited)
	// Kind is the journey's (joiner, mover, recovery): the issuance guard counts movers and recoveries per day.
	Kind string `json:"kind,omitempty"`
	// PassKey names this pass within the workflow (journey event id / pass number): the guard counts it once
	// however often the activity is retried.
	PassKey string `json:"pass_key,omitempty"`
	// Recipient is what a pre-flight moments ago read: the user and the manager are not read again. Nil: read them.
	Recipient *Recipient `json:"recipient,omitempty"`
}

// IssueResult is a delivered pass's metadata: never the value. A non-empty Refusal means nothing was issued.
type IssueResult struct {
	MethodID  string    `json:"method_id,omitempty"`
	Start     time.Time `json:"start"`
	Expires   time.Time `json:"expires"`
	Channel   string    `json:"channel,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Refusal   Refusal   `json:"refusal,omitempty"`
	Message   string    `json:"message,omitempty"`
	// Held is issuance.ReasonPaused when the issuance guard holds every pass: nothing was issued, and the
	// journey waits for the guard's issuance-resumed signal.
	Held string `json:"held,omitempty"`
}

// IssueAndDeliver creates the pass and delivers it in one activity, so the value never leaves it: not in the
// result, the error, a heartbeat or a log. A retry after a failed delivery creates a fresh pass, which
// replaces the undelivered one in Graph, so no delivered pass is ever stale.
func (j *Journey) IssueAndDeliver(ctx context.Context, req IssueRequest) (IssueResult, error) {
	rcpt, err := j.recipient(ctx, req)
	if err != nil {
		return IssueResult{}, err
	}
	s := j.Settings
	var to []string
	if s.Channel != ChannelWebhook {
		if to = []string{rcpt.ManagerMail}; rcpt.ManagerMail == "" {
			to = nil
		}
		if len(to) == 0 && s.FallbackRecipient != "" {
			to = []string{s.FallbackRecipient}
		}
		if len(to) == 0 {
			return IssueResult{Refusal: RefusedNoDeliveryTarget, Message: "The manager has no mailbox inside the " +
				"organisation (a member account on a verified domain) and no fallback recipient is configured " +
				"(TAPFLOW_FALLBACK_RECIPIENT): no pass was issued."}, nil
		}
	}
	if held, refusal, err := j.reserve(ctx, req); err != nil || held != "" || refusal.Refusal != "" {
		return IssueResult{Held: held, Refusal: refusal.Refusal, Message: refusal.Message}, err
	}
	heartbeat(ctx) // alive after each Graph call: a crashed worker's attempt is retried within the heartbeat timeout
	policy, err := j.policy(ctx)
	if err != nil {
		return IssueResult{}, err
	}
	heartbeat(ctx)
	once := s.UsableOnce || policy.UsableOnce
	issued, err := j.Graph.CreateTAP(ctx, req.UserID, graph.TAPRequest{Start: req.Start,
		LifetimeMinutes: ClampLifetime(s.LifetimeMinutes, policy), UsableOnce: &once})
	if err != nil {
		return IssueResult{}, graphFailure(fmt.Errorf("create the pass: %w", err))
	}
	j.record(ctx, audit.Entry{Action: "tap.issued", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID,
		Reason: req.Reason, RequestedBy: req.RequestedBy})
	heartbeat(ctx)
	receipt, err := j.Delivery.Deliver(ctx, delivery.Notice{Kind: delivery.KindPass, Channel: s.Channel, To: to,
		EmployeeID: req.EmployeeID, UserID: req.UserID, UserPrincipalName: rcpt.UserPrincipalName, DisplayName: rcpt.DisplayName,
		Language: req.Language, Pass: issued.Pass, Start: issued.Start, Expires: issued.Expires(), UsableOnce: issued.UsableOnce})
	if err != nil {
		// An undelivered pass must not stay usable: revoke it, then fail (a retry issues a fresh one).
		if derr := j.Graph.DeleteTAP(ctx, req.UserID, issued.ID); derr != nil && !graph.IsNotFound(derr) {
			err = errors.Join(err, fmt.Errorf("revoke the undelivered pass: %w", derr))
		} else {
			j.record(ctx, audit.Entry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID, Reason: "undelivered"})
			if derr == nil {
				j.metrics().PassRevoked("undelivered")
			}
		}
		return IssueResult{}, deliveryFailure(err)
	}
	j.record(ctx, audit.Entry{Action: "tap.delivered", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: issued.ID,
		Reason: req.Reason, Channel: receipt.Channel, MessageID: receipt.MessageID})
	j.metrics().PassIssued(req.Reason)
	return IssueResult{MethodID: issued.ID, Start: issued.Start, Expires: issued.Expires(), Channel: receipt.Channel, MessageID: receipt.MessageID}, nil
}

// recipient is the request's recipient, or the user and their manager read in one request.
func (j *Journey) recipient(ctx context.Context, req IssueRequest) (Recipient, error) {
	if req.Recipient != nil {
		return *req.Recipient, nil
	}
	u, m, err := j.Graph.GetUserAndManager(ctx, req.UserID)
	if err != nil {
		return Recipient{}, graphFailure(fmt.Errorf("read the user and their manager: %w", err))
	}
	r := Recipient{UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName}
	r.ManagerMail, err = j.vetManager(ctx, req.EmployeeID, u, m)
	return r, err
}

// record writes an audit line, when the journey has a recorder.
func (j *Journey) record(ctx context.Context, e audit.Entry) {
	if j.Audit != nil {
		j.Audit.Record(ctx, e)
	}
}

// deliveryFailure keeps Graph's retry semantics for a mail that Graph refused, and makes the other permanent
// failures non-retryable.
func deliveryFailure(err error) error {
	var ge *graph.Error
	if errors.As(err, &ge) {
		return graphFailure(err)
	}
	if errors.Is(err, delivery.ErrPermanent) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrDeliveryFailed, nil)
	}
	return temporal.NewApplicationError(err.Error(), "DeliveryTransient")
}

// heartbeat records liveness when running as an activity (the tests also call activities directly).
func heartbeat(ctx context.Context) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx)
	}
}
