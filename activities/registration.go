package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graph"
)

// ErrNotRegisteredYet is the retryable error of AwaitRegistration while nothing strong is registered: its
// retries do the waiting, so a long wait adds nothing to the workflow's history.
const ErrNotRegisteredYet = "NotRegisteredYet"

// RegistrationRequest names the user and which methods count as strong.
type RegistrationRequest struct {
	UserID   string   `json:"user_id"`
	Strength Strength `json:"strength,omitempty"`
	Ignore   []string `json:"ignore,omitempty"` // method ids that were there before: only a new one counts

	// RevokeMethodID, when set, is the live pass: once a strong method is found it is revoked at once, in the
	// same activity (EmployeeID for the audit line). Without it the workflow revokes it with RevokeTAP.
	RevokeMethodID string `json:"revoke_method_id,omitempty"`
	EmployeeID     string `json:"employee_id,omitempty"`
	// The adaptive schedule: from the slow-after setting past Delivered, the next look is the slow interval away
	// (but never after Expires). Without them the retry policy's fixed interval holds.
	Delivered time.Time `json:"delivered,omitzero"`
	Expires   time.Time `json:"expires,omitzero"`
	// Findable: the tenant watch can find this journey (its pass named its account in search), so while the
	// watch is healthy a look every safety-net interval is enough.
	Findable bool `json:"findable,omitempty"`
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
	strong := j.strongMethods(req.Strength)
	for _, m := range methods {
		if slices.Contains(strong, string(m.Type)) && !slices.Contains(req.Ignore, m.ID) {
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
		temporal.ApplicationErrorOptions{Category: temporal.ApplicationErrorCategoryBenign, NextRetryDelay: j.nextLook(ctx, req, time.Now())})
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
		j.record(ctx, audit.Entry{Action: "tap.revoked", EmployeeID: req.EmployeeID, UserID: req.UserID, MethodID: req.RevokeMethodID,
			Reason: "registered"})
	}
	return true
}

// nextLook is the delay before the next look: while the tenant watch is healthy, the safety net's (the watch
// tells the journey of a registration); otherwise the adaptive schedule's. 0 keeps the retry policy's interval.
func (j *Journey) nextLook(ctx context.Context, req RegistrationRequest, now time.Time) time.Duration {
	if w := j.Settings.Watch; req.Findable && w.On && w.SafetyNet > 0 && j.Watch != nil && j.Watch.Healthy(ctx) {
		return beforeExpiry(w.SafetyNet, req.Expires, now)
	}
	slowAfter, slowInterval := j.Settings.PollSlowAfter, j.Settings.PollSlowInterval
	if slowInterval <= 0 || req.Delivered.IsZero() || now.Sub(req.Delivered) < slowAfter {
		return 0
	}
	return beforeExpiry(slowInterval, req.Expires, now)
}

// beforeExpiry shortens a delay so a last look comes shortly before the pass expires, and a late registration
// is still seen while the pass is live.
func beforeExpiry(delay time.Duration, expires, now time.Time) time.Duration {
	if !expires.IsZero() {
		if last := expires.Sub(now) - 30*time.Second; last > 0 && last < delay {
			delay = last
		}
	}
	return delay
}
