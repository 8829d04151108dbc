package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
)

// ErrNotRegisteredYet is the retryable error of AwaitRegistration while nothing strong is registered: its
// retries do the waiting, so a long wait adds nothing to the workflow's history.
const ErrNotRegisteredYet = "NotRegisteredYet"

// RegistrationRequest names the user and the strong method types to look for.
type RegistrationRequest struct {
	UserID        string   `json:"user_id"`
	StrongMethods []string `json:"strong_methods"`
	Ignore        []string `json:"ignore,omitempty"` // method ids that were there before: only a new one counts

	// RevokeMethodID, when set, is the live pass: once a strong method is found it is revoked at once, in the
	// same activity (EmployeeID for the audit line). Without it the workflow revokes it with RevokeTAP.
	RevokeMethodID string `json:"revoke_method_id,omitempty"`
	EmployeeID     string `json:"employee_id,omitempty"`
	// The adaptive schedule: from SlowAfter past Delivered, the next look is SlowInterval away (but never after
	// Expires). Zero values keep the retry policy's fixed interval.
	Delivered    time.Time     `json:"delivered,omitzero"`
	Expires      time.Time     `json:"expires,omitzero"`
	SlowAfter    time.Duration `json:"slow_after,omitempty"`
	SlowInterval time.Duration `json:"slow_interval,omitempty"`
}

// Registration is the strong method found.
type Registration struct {
	MethodType string    `json:"method_type"`
	MethodID   string    `json:"method_id"`
	SeenAt     time.Time `json:"seen_at"`
	Revoked    bool      `json:"revoked,omitempty"` // the pass named by RevokeMethodID is gone
}

// AwaitRegistration looks once for a strong method and fails with ErrNotRegisteredYet if there is none. With
// RevokeMethodID it also revokes the pass the moment the method is seen.
func (j *Journey) AwaitRegistration(ctx context.Context, req RegistrationRequest) (Registration, error) {
	methods, err := j.Graph.ListMethods(ctx, req.UserID)
	if err != nil {
		return Registration{}, graphFailure(fmt.Errorf("read the user's methods: %w", err))
	}
	for _, m := range methods {
		if slices.Contains(req.StrongMethods, string(m.Type)) && !slices.Contains(req.Ignore, m.ID) {
			reg := Registration{MethodType: string(m.Type), MethodID: m.ID, SeenAt: time.Now().UTC()}
			if req.RevokeMethodID != "" {
				reg.Revoked = j.revokeRegistered(ctx, req)
			}
			return reg, nil
		}
	}
	// Benign: expected on every look but the last, so the SDK logs it at debug level and metrics do not count it
	// as a failure.
	return Registration{}, temporal.NewApplicationErrorWithOptions("no strong method registered yet", ErrNotRegisteredYet,
		temporal.ApplicationErrorOptions{Category: temporal.ApplicationErrorCategoryBenign, NextRetryDelay: nextLook(req, time.Now())})
}

// revokeRegistered deletes the pass once its user has registered. A failure is left to the workflow, whose
// RevokeTAP retries it and reports it: the registration is not lost for it.
func (j *Journey) revokeRegistered(ctx context.Context, req RegistrationRequest) bool {
	err := j.Graph.DeleteTAP(ctx, req.UserID, req.RevokeMethodID)
	if err != nil && !graph.IsNotFound(err) {
		activity.GetLogger(ctx).Warn("the pass could not be revoked with the registration; the workflow revokes it", "error", err)
		return false
	}
	if err == nil { // a pass already gone (a retried look: the first one revoked it) is neither counted nor audited again
		j.metrics().PassRevoked("registered")
		j.audit(ctx, AuditEntry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: req.RevokeMethodID,
			Reason: "registered"})
	}
	return true
}

// nextLook is the delay before the next look on the adaptive schedule; 0 keeps the retry policy's interval.
func nextLook(req RegistrationRequest, now time.Time) time.Duration {
	if req.SlowInterval <= 0 || req.Delivered.IsZero() || now.Sub(req.Delivered) < req.SlowAfter {
		return 0
	}
	delay := req.SlowInterval
	if !req.Expires.IsZero() {
		// A last look shortly before the pass expires, so a late registration is still seen while it is live.
		if last := req.Expires.Sub(now) - 30*time.Second; last > 0 && last < delay {
			delay = last
		}
	}
	return delay
}

// RevokeRequest names the pass to revoke; an empty MethodID revokes whatever pass the user holds.
type RevokeRequest struct {
	EmployeeID string `json:"employee_id"`
	UserID     string `json:"user_id"`
	MethodID   string `json:"method_id,omitempty"`
	Reason     string `json:"reason"`
}

// RevokeTAP deletes the pass. A pass already gone is success.
func (j *Journey) RevokeTAP(ctx context.Context, req RevokeRequest) error {
	ids := []string{req.MethodID}
	if req.MethodID == "" {
		taps, err := j.Graph.ListTAPs(ctx, req.UserID)
		if err != nil && !graph.IsNotFound(err) {
			return graphFailure(fmt.Errorf("list the user's passes: %w", err))
		}
		ids = ids[:0]
		for _, t := range taps {
			ids = append(ids, t.ID)
		}
	}
	for _, id := range ids {
		err := j.Graph.DeleteTAP(ctx, req.UserID, id)
		if err != nil && !graph.IsNotFound(err) {
			return graphFailure(fmt.Errorf("revoke the pass: %w", err))
		}
		if err == nil { // a pass already gone (an earlier attempt deleted it) is not counted twice
			j.metrics().PassRevoked(req.Reason)
		}
		j.audit(ctx, AuditEntry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: id, Reason: req.Reason})
	}
	return nil
}

// NotifyRequest is a reminder or an expiry notice (never a pass).
type NotifyRequest struct {
	Kind              string    `json:"kind"` // reminder or expired
	EmployeeID        string    `json:"employee_id"`
	UserID            string    `json:"user_id"`
	Channel           string    `json:"channel"`
	FallbackRecipient string    `json:"fallback_recipient,omitempty"`
	Expires           time.Time `json:"expires"`
	Reissue           bool      `json:"reissue"`
	Language          string    `json:"language,omitempty"`
}

// Notify tells the manager (and, for an expiry, the fallback recipient too) about the journey.
func (j *Journey) Notify(ctx context.Context, req NotifyRequest) (delivery.Receipt, error) {
	u, m, err := j.Graph.GetUserAndManager(ctx, req.UserID)
	if err != nil {
		return delivery.Receipt{}, graphFailure(fmt.Errorf("read the user and their manager: %w", err))
	}
	var to []string
	if m != nil && m.Mail != "" {
		to = append(to, m.Mail)
	}
	if req.FallbackRecipient != "" && (req.Kind == delivery.KindExpired || len(to) == 0) {
		to = append(to, req.FallbackRecipient)
	}
	if len(to) == 0 && req.Channel != ChannelWebhook {
		return delivery.Receipt{}, nil // nobody to tell; the outcome already says why
	}
	r, err := j.Delivery.Deliver(ctx, delivery.Notice{Kind: req.Kind, Channel: req.Channel, To: to, EmployeeID: req.EmployeeID,
		UserID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, Language: req.Language,
		Expires: req.Expires, Reissue: req.Reissue})
	if err != nil {
		return delivery.Receipt{}, deliveryFailure(err)
	}
	return r, nil
}
