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

// Alert audits a security alert and mails it to the security mailbox (Settings.SecurityMailbox), when one is
// configured; doctor warns when none is.
func (j *Journey) Alert(ctx context.Context, req AlertRequest) (delivery.Receipt, error) {
	j.record(ctx, audit.Entry{Action: "security.alert", Reason: req.Reason})
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
