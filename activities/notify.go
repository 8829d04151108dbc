package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/tapflow/tapflow/internal/delivery"
)

// NotifyRequest is a reminder or an expiry notice (never a pass), on the configured channel.
type NotifyRequest struct {
	Kind       string    `json:"kind"` // reminder or expired
	EmployeeID string    `json:"employee_id"`
	UserID     string    `json:"user_id"`
	Expires    time.Time `json:"expires"`
	Reissue    bool      `json:"reissue"`
	Language   string    `json:"language,omitempty"`
}

// Notify tells the manager (and, for an expiry, the fallback recipient too) about the journey.
func (j *Journey) Notify(ctx context.Context, req NotifyRequest) (delivery.Receipt, error) {
	u, m, err := j.Graph.GetUserAndManager(ctx, req.UserID)
	if err != nil {
		return delivery.Receipt{}, graphFailure(fmt.Errorf("read the user and their manager: %w", err))
	}
	var to []string
	mail, err := j.vetManager(ctx, req.EmployeeID, u, m) // the trust rules for a pass hold for what is said of it
	if err != nil {
		return delivery.Receipt{}, err
	}
	if mail != "" {
		to = append(to, mail)
	}
	s := j.Settings
	if s.FallbackRecipient != "" && (req.Kind == delivery.KindExpired || len(to) == 0) {
		to = append(to, s.FallbackRecipient)
	}
	if len(to) == 0 && s.Channel != ChannelWebhook {
		return delivery.Receipt{}, nil // nobody to tell; the outcome already says why
	}
	r, err := j.Delivery.Deliver(ctx, delivery.Notice{Kind: req.Kind, Channel: s.Channel, To: to, EmployeeID: req.EmployeeID,
		UserID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, Language: req.Language,
		Expires: req.Expires, Reissue: req.Reissue})
	if err != nil {
		return delivery.Receipt{}, deliveryFailure(err)
	}
	return r, nil
}
