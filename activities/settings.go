package activities

import (
	"context"
	"time"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/pickup"
)

// JoinerSettings are the knobs of a TAP journey, as the worker is configured. The activities read theirs from
// the Journey struct that holds them; the workflow reads the timing once per journey (Settings.Timing).
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
	// IdentityBinding is the user attribute that must equal the HR employee id (BindEmployeeID, an
	// onPremisesExtensionAttributes slot such as extensionAttribute3), or BindOff.
	IdentityBinding string `json:"identity_binding,omitempty"`
	// PrivilegedGroups are group ids whose members are privileged like role holders (held for approval).
	PrivilegedGroups []string `json:"privileged_groups,omitempty"`
	// RecipientDomains, when set, are the only mail domains a pass may be mailed to; empty: the tenant's
	// verified domains, read from Graph and cached.
	RecipientDomains []string `json:"recipient_domains,omitempty"`
	// SecurityMailbox receives security alerts (an issuance pause, ...); "": alerts are audited only.
	SecurityMailbox string `json:"security_mailbox,omitempty"`
	// PublicURL is the origin the pickup page is reached at (TAPFLOW_PUBLIC_URL): links are PublicURL/p/<token>.
	PublicURL string `json:"public_url,omitempty"`
	// PickupEndsAt is the local time (HH:MM) on the first day when an unrevealed pickup link expires.
	PickupEndsAt string `json:"pickup_ends_at,omitempty"`
	// PickupCode is PickupCodeAuto (a one-time code to the hire's own address, when the event has one) or off.
	PickupCode string `json:"pickup_code,omitempty"`
	// PickupLinkTo is where the link goes when there is a second channel: PickupLinkToManager (the code to the
	// hire) or PickupLinkToHire (the link to the hire's own address or phone, the code to the manager).
	PickupLinkTo string `json:"pickup_link_to,omitempty"`
	// CodeByWebhook: the signed webhook is configured, so a code can go to the hire's phone through it.
	CodeByWebhook bool `json:"code_by_webhook,omitempty"`
	// PickupKey binds codes to links (TAPFLOW_PICKUP_KEY, shared with the page); never serialised.
	PickupKey pickup.Key `json:"-"`
	// Issuance are the tenant-wide limits the issuance guard applies (0 turns one off).
	Issuance issuance.Limits `json:"issuance"`
	// Watch configures the tenant watch.
	Watch WatchSettings `json:"watch"`
}

// Timing is what a journey's workflow code decides with: when a pass is due, how often to look, when to remind,
// how many passes after an unregistered expiry.
type Timing struct {
	StartLead      time.Duration `json:"start_lead"`
	PollInterval   time.Duration `json:"poll_interval"`
	ReminderBefore time.Duration `json:"reminder_before"`
	MaxReissues    int           `json:"max_reissues"`
	// Pickup delivers by pickup link; PickupEndsAt is when an unrevealed link expires, local HH:MM. The pass
	// settings travel with the reveal to the page's process, so it creates the pass the workers would.
	Pickup          bool            `json:"pickup,omitempty"`
	PickupEndsAt    string          `json:"pickup_ends_at,omitempty"`
	LifetimeMinutes int             `json:"lifetime_minutes,omitempty"`
	UsableOnce      bool            `json:"usable_once,omitempty"`
	Issuance        issuance.Limits `json:"issuance,omitempty"`
}

// Timing is the settings' part that workflow code reads.
func (s JoinerSettings) Timing() Timing {
	t := Timing{StartLead: s.StartLead, PollInterval: s.PollInterval, ReminderBefore: s.ReminderBefore, MaxReissues: s.MaxReissues}
	if s.Channel == ChannelPickup {
		t.Pickup, t.PickupEndsAt = true, s.PickupEndsAt
		t.LifetimeMinutes, t.UsableOnce, t.Issuance = s.LifetimeMinutes, s.UsableOnce, s.Issuance
		if t.PickupEndsAt == "" {
			t.PickupEndsAt = DefaultPickupEndsAt
		}
	}
	return t
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

// Settings serves the configured settings to workflows, as local activities: a journey reads its timing once
// when it starts, so a worker restarted with new settings changes new journeys and never a running one's
// history.
type Settings struct {
	Joiner    JoinerSettings
	Lifecycle LifecycleSettings
	Directory DirectorySyncSettings
}

// LifecycleSettings returns the lifecycle settings.
func (s *Settings) LifecycleSettings(context.Context) (LifecycleSettings, error) {
	return s.Lifecycle, nil
}

// Timing returns the journey timing.
func (s *Settings) Timing(context.Context) (Timing, error) {
	return s.Joiner.Timing(), nil
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
		StrongMethods:    graph.MethodNames(graph.StrongMethods()),
		Channel:          ChannelPickup,
		IdentityBinding:  BindEmployeeID,
		Issuance:         issuance.Limits{PerHour: 50, RecoveriesPerDay: 20},
		Watch:            DefaultWatchSettings(),
	}
}

// Strength says which registered methods complete a journey.
type Strength string

const (
	// StrengthConfigured counts the configured strong methods (TAPFLOW_STRONG_METHODS).
	StrengthConfigured Strength = ""
	// StrengthPhishingResistant counts only phishing-resistant methods: what a newly privileged user needs.
	StrengthPhishingResistant Strength = "phishing_resistant"
)

// strongMethods are the method types that count at strength s.
func (j *Journey) strongMethods(s Strength) []string {
	if s == StrengthPhishingResistant {
		return graph.MethodNames(graph.PhishingResistantMethods())
	}
	if len(j.Settings.StrongMethods) == 0 {
		return DefaultJoinerSettings().StrongMethods
	}
	return j.Settings.StrongMethods
}

// ClampLifetime fits a wanted pass lifetime into the tenant policy and Graph's 10-43200 minutes; 0 wants the
// policy's default.
func ClampLifetime(want int, p TAPPolicy) int {
	lo, hi := 10, 43200
	if p.MinLifetimeMinutes > lo {
		lo = p.MinLifetimeMinutes
	}
	if p.MaxLifetimeMinutes > 0 && p.MaxLifetimeMinutes < hi {
		hi = p.MaxLifetimeMinutes
	}
	if want <= 0 {
		want = p.DefaultLifetimeMinutes
	}
	return min(max(want, lo), hi)
}

// Pickup code settings.
const (
	PickupCodeAuto     = "auto"     // a code when the event names a second channel
	PickupCodeRequired = "required" // no second channel, no invitation (no_second_channel)
	PickupCodeOff      = "off"
)

// Where a pickup link goes (PickupLinkTo); its code goes the other way.
const (
	PickupLinkToManager = "manager"
	PickupLinkToHire    = "hire"
)

// DefaultPickupEndsAt is when an unrevealed pickup link expires: the end of the first working day, local time.
const DefaultPickupEndsAt = "18:00"

// Delivery channels.
const (
	ChannelManagerMail = "manager-mail"
	ChannelWebhook     = "webhook"
	// ChannelPickup mails an invitation, not a pass: a single-use link to a page where the hire reveals the
	// pass, which is created at that moment.
	ChannelPickup = "pickup"
)
