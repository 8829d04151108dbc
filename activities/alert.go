package activities

import (
	"context"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
)

// AlertRequest is a security alert: a reason code and a sentence for people, never a pass or personal data.
type AlertRequest struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// The tenant watch's alert reasons (a journey's own, such as pickup_locked, are its refusals' codes).
const (
	AlertShadowPass           = "shadow_pass"                // a pass created by anyone other than tapflow's app
	AlertPrivilegedTAP        = "tap_on_privileged_account"  // any pass on a privileged account
	AlertSignInWithoutJourney = "tap_signin_without_journey" // a sign-in with a pass tapflow never issued
	AlertPassUsedAfterRevoke  = "pass_used_after_revoke"     // a pass used after tapflow revoked it, or failed to
	AlertOrphanedPass         = "orphaned_pass"              // a pass tapflow created whose journey is gone
)

// AlertCounter counts security alerts by reason (metrics.Metrics is the real one).
type AlertCounter interface {
	SecurityAlert(reason string)
}

// Alert audits and counts a security alert and mails it to the security mailbox (Settings.SecurityMailbox),
// when one is configured; doctor warns when none is.
func (j *Journey) Alert(ctx context.Context, req AlertRequest) (delivery.Receipt, error) {
	j.record(ctx, audit.Entry{Action: "security.alert", Reason: req.Reason})
	if j.Alerts != nil {
		j.Alerts.SecurityAlert(req.Reason)
	}
	return j.mailAlert(ctx, req)
}

// mailAlert mails a security alert to the security mailbox, when one is configured.
func (j *Journey) mailAlert(ctx context.Context, req AlertRequest) (delivery.Receipt, error) {
	if j.Settings.SecurityMailbox == "" {
		return delivery.Receipt{}, nil
	}
	r, err := j.Delivery.Deliver(ctx, delivery.Notice{Kind: delivery.KindAlert, Channel: ChannelManagerMail,
		To: []string{j.Settings.SecurityMailbox}, Reason: req.Reason, Detail: req.Detail})
	if err != nil {
		return delivery.Receipt{}, deliveryFailure(err)
	}
	return r, nil
}
