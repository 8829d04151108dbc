package activities

import (
	"context"
	"time"
)

// JoinerSettings are the knobs of a TAP journey. A journey reads them once, when it starts, so a worker
// restarted with new settings changes new journeys and never a running one's history.
type JoinerSettings struct {
	StartLead       time.Duration `json:"start_lead"`       // issue this long before the first morning
	LifetimeMinutes int           `json:"lifetime_minutes"` // wanted pass lifetime, clamped to the tenant policy
	UsableOnce      bool          `json:"usable_once"`      // one-time pass (forced when the policy requires it)
	PollInterval    time.Duration `json:"poll_interval"`    // how often to look for a registered method
	// PollSlowAfter and PollSlowInterval make the schedule adaptive: after the pass has been out this long, look
	// only every PollSlowInterval (most people register soon after they get their pass). 0: a fixed schedule.
	PollSlowAfter    time.Duration `json:"poll_slow_after,omitempty"`
	PollSlowInterval time.Duration `json:"poll_slow_interval,omitempty"`
	ReminderBefore   time.Duration `json:"reminder_before"` // remind the manager this long before expiry; 0 = never
	MaxReissues      int           `json:"max_reissues"`    // new passes after an unregistered expiry
	StrongMethods    []string      `json:"strong_methods"`  // method types that end the journey (graph.MethodType)
	Channel          string        `json:"channel"`         // manager-mail or webhook
	// FallbackRecipient gets the pass when the manager has no mailbox (e.g. the helpdesk), and expiry notices.
	FallbackRecipient string `json:"fallback_recipient,omitempty"`
}

// LifecycleSettings are the knobs of leavers, rehires and recoveries.
type LifecycleSettings struct {
	DisableOnLeave      bool `json:"disable_on_leave"`       // disable the account at leave_at (else keep it enabled)
	EnableOnRehire      bool `json:"enable_on_rehire"`       // re-enable a disabled account for a rehire
	MaxRecoveriesPerDay int  `json:"max_recoveries_per_day"` // helpdesk recoveries per employee in 24 hours
}

// DefaultLifecycleSettings are the lifecycle settings when nothing is configured.
func DefaultLifecycleSettings() LifecycleSettings {
	return LifecycleSettings{DisableOnLeave: true, MaxRecoveriesPerDay: 3}
}

// Settings serves the configured settings to workflows, as a local activity.
type Settings struct {
	Joiner    JoinerSettings
	Lifecycle LifecycleSettings
}

// LifecycleSettings returns the lifecycle settings.
func (s *Settings) LifecycleSettings(context.Context) (LifecycleSettings, error) {
	return s.Lifecycle, nil
}

// JoinerSettings returns the joiner settings.
func (s *Settings) JoinerSettings(context.Context) (JoinerSettings, error) {
	return s.Joiner, nil
}

// DefaultJoinerSettings are the settings when nothing is configured.
func DefaultJoinerSettings() JoinerSettings {
	return JoinerSettings{
		LifetimeMinutes:  8 * 60,
		PollInterval:     time.Minute,
		PollSlowAfter:    time.Hour,
		PollSlowInterval: 10 * time.Minute,
		ReminderBefore:   2 * time.Hour,
		MaxReissues:      1,
		StrongMethods:    []string{"fido2", "windowsHelloForBusiness", "platformCredential", "microsoftAuthenticator"},
		Channel:          ChannelManagerMail,
	}
}

// Delivery channels.
const (
	ChannelManagerMail = "manager-mail"
	ChannelWebhook     = "webhook"
)
