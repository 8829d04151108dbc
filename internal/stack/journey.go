package stack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/feedsource"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/workflows"
)

// JourneyConfig is how TAP journeys issue, deliver and wait.
type JourneyConfig struct {
	Settings      activities.JoinerSettings
	Lifecycle     activities.LifecycleSettings
	OnLeave       string // disable or keep
	Lifetime      time.Duration
	SenderMailbox string
	WebhookURL    string
	WebhookSecret string
	MailTemplates string
	DisplayZone   string
	PickupKey     string // base64; the dev stack makes one
	// PollIntervalSet says the poll interval was given, so dev mode keeps it instead of its 5 seconds.
	PollIntervalSet bool
}

func bindJourney(s *cliconf.Set, c *JourneyConfig) {
	d := activities.DefaultJoinerSettings()
	js := &c.Settings
	s.Enum(&js.Channel, "delivery", d.Channel, []string{activities.ChannelPickup, activities.ChannelManagerMail, activities.ChannelWebhook},
		"how a new pass reaches the hire: pickup (a link to a page where they reveal it, created then), or the pass itself by manager-mail or webhook")
	s.String(&js.PublicURL, "public-url", "", "origin of the pickup page, for the links (dev stack: the webhook listener)")
	s.String(&js.PickupEndsAt, "pickup-ends-at", activities.DefaultPickupEndsAt, "local time (HH:MM) on the first day when an unrevealed pickup link expires")
	s.String(&c.PickupKey, "pickup-key", "", "secret binding pickup codes to links: base64 of 32 random bytes, the same for workers and starter serve --pickup")
	s.Enum(&js.PickupCode, "pickup-code", activities.PickupCodeAuto,
		[]string{activities.PickupCodeAuto, activities.PickupCodeRequired, activities.PickupCodeOff},
		"auto: a one-time code to the hire's own address or phone when the event has one; required: no invitation without one")
	s.Enum(&js.PickupLinkTo, "pickup-link-to", activities.PickupLinkToManager,
		[]string{activities.PickupLinkToManager, activities.PickupLinkToHire},
		"manager: the link to the manager, the code to the hire; hire: the link to the hire's own address or phone, the code to the manager")
	s.String(&c.SenderMailbox, "sender-mailbox", "", "mailbox that sends the pass mails (UPN or object id; dev mode: tapflow@contoso.example)")
	s.String(&js.FallbackRecipient, "fallback-recipient", "", "recipient when the manager has no mailbox, and of expiry notices (e.g. the helpdesk)")
	s.String(&c.WebhookURL, "delivery-webhook-url", "", "HTTPS endpoint of the webhook delivery channel")
	s.String(&c.WebhookSecret, "delivery-webhook-secret", "", "Standard Webhooks signing secret (whsec_...) of the webhook channel")
	s.String(&c.MailTemplates, "mail-templates", "", "directory of template overrides (pass.html.tmpl, pass.en-GB.html.tmpl, ...)")
	s.String(&c.DisplayZone, "display-time-zone", "UTC", "time zone in which mails show times")
	s.Duration(&c.Lifetime, "tap-lifetime", time.Duration(d.LifetimeMinutes)*time.Minute, "wanted pass lifetime, clamped to the tenant policy")
	s.Bool(&js.UsableOnce, "tap-usable-once", d.UsableOnce, "issue one-time passes (forced when the tenant policy requires it)")
	s.Duration(&js.StartLead, "start-lead", d.StartLead, "issue this long before the first morning")
	s.Duration(&js.PollInterval, "poll-interval", d.PollInterval, "how often to look for a registered method (dev mode: 5s)")
	s.Duration(&js.PollSlowAfter, "poll-slow-after", d.PollSlowAfter, "after a pass has been out this long, look only every --poll-slow-interval")
	s.Duration(&js.PollSlowInterval, "poll-slow-interval", d.PollSlowInterval, "how often to look once --poll-slow-after has passed; 0 = keep --poll-interval")
	s.Duration(&js.ReminderBefore, "reminder-before", d.ReminderBefore, "remind the manager this long before an unregistered pass expires; 0 = never")
	s.Int(&js.MaxReissues, "max-reissues", d.MaxReissues, 0, "new passes after an unregistered expiry")
	s.Enum(&js.IdentityBinding, "identity-binding", d.IdentityBinding, activities.BindingModes(),
		"the user attribute that must equal the HR employee id before tapflow acts on an account; off turns the guard off")
	s.Names(&js.PrivilegedGroups, "privileged-groups", checkGroupID,
		"group object ids whose members are held for approval like role holders")
	s.Names(&js.RecipientDomains, "recipient-domains", checkDomain,
		"the only mail domains a pass may be mailed to; unset: the tenant's verified domains (needs Domain.Read.All)")
	bindWatch(s, &js.Watch)
	s.List(&js.StrongMethods, "strong-methods", d.StrongMethods, graph.MethodNames(graph.RegistrableMethods()), "method types that complete a journey")
	ld := activities.DefaultLifecycleSettings()
	s.Enum(&c.OnLeave, "on-leave", "disable", []string{"disable", "keep"}, "what a termination does to the account, after revoking passes and sessions")
	s.Bool(&c.Lifecycle.EnableOnRehire, "enable-on-rehire", ld.EnableOnRehire, "re-enable a disabled account when a leaver is hired again")
	s.Int(&c.Lifecycle.MaxRecoveriesPerDay, "max-recoveries-per-day", ld.MaxRecoveriesPerDay, 1, "helpdesk recoveries per employee in 24 hours")
	s.Int(&js.Issuance.PerHour, "issuance-limit", d.Issuance.PerHour, 0,
		"passes in a sliding hour, tenant-wide, above which all issuance pauses until starter issuance resume; 0 = no breaker")
	s.Int(&js.Issuance.RecoveriesPerDay, "tenant-recoveries-per-day", d.Issuance.RecoveriesPerDay, 0,
		"recoveries and re-registrations in 24 hours, tenant-wide; 0 = no tenant-wide limit")
	s.String(&js.SecurityMailbox, "security-mailbox", "", "mail address that receives security alerts (an issuance pause, ...)")
}

// activityDeps builds what the activities need from the configuration.
func (s *Stack) activityDeps() (activities.Deps, error) {
	c := s.cfg.Journey
	js := c.Settings
	d := activities.DefaultJoinerSettings()
	if js.Channel == "" {
		js.Channel = d.Channel
	}
	if js.Channel == activities.ChannelManagerMail || js.Channel == activities.ChannelWebhook {
		s.log.Warn("delivery " + js.Channel + " carries the pass itself, readable wherever the message is kept for its whole " +
			"lifetime: TAPFLOW_DELIVERY=pickup sends a link instead, and the pass is created when the hire reveals it")
	}
	if len(js.StrongMethods) == 0 {
		js.StrongMethods = d.StrongMethods
	}
	switch js.IdentityBinding {
	case "":
		js.IdentityBinding = d.IdentityBinding // bound unless turned off explicitly
	case activities.BindOff:
		s.log.Warn("identity binding is off (TAPFLOW_IDENTITY_BINDING=off): an HR event naming any account under any employee id gets a pass for it")
	}
	js.LifetimeMinutes = int(c.Lifetime / time.Minute)
	if err := s.watchSettings(&js.Watch); err != nil {
		return activities.Deps{}, err
	}
	if err := s.pickupSettings(&js, &c); err != nil {
		return activities.Deps{}, err
	}
	for i, d := range js.RecipientDomains {
		js.RecipientDomains[i] = strings.ToLower(d)
	}
	sender := c.SenderMailbox
	if s.mode == GraphEmulator {
		if sender == "" {
			sender = graphemu.DemoSenderID
		}
		if !c.PollIntervalSet {
			js.PollInterval = 5 * time.Second
		}
	}
	if err := c.check(); err != nil {
		return activities.Deps{}, err
	}
	loc, _ := time.LoadLocation(c.DisplayZone)
	courier := &delivery.Courier{Graph: s.graph, Sender: sender, Templates: delivery.Templates{Dir: c.MailTemplates},
		Location: loc, WebhookURL: c.WebhookURL}
	if c.WebhookURL != "" {
		courier.Webhook, _ = standardwebhooks.NewWebhook(c.WebhookSecret)
		js.CodeByWebhook = true // a pickup code can go to the hire's phone through it
	}
	if js.Channel != activities.ChannelWebhook && sender == "" {
		return activities.Deps{}, fmt.Errorf("manager-mail delivery needs the sender mailbox: set TAPFLOW_SENDER_MAILBOX")
	}
	sources, err := feedsource.Parse(s.cfg.FeedSources)
	if err != nil {
		return activities.Deps{}, err
	}
	lc := c.Lifecycle
	lc.DisableOnLeave = c.OnLeave != "keep"
	if lc.MaxRecoveriesPerDay <= 0 {
		lc.MaxRecoveriesPerDay = activities.DefaultLifecycleSettings().MaxRecoveriesPerDay
	}
	if js.Issuance.PerHour == 0 {
		s.log.Warn("the issuance breaker is off (TAPFLOW_ISSUANCE_LIMIT=0): a compromised HR feed can mint any number of passes")
	}
	return activities.Deps{Graph: s.graph, Delivery: courier, Audit: audit.Log{Logger: s.auditLogger()},
		Guard:   &issuance.Client{Temporal: s.client, TaskQueue: workflows.TaskQueue},
		Metrics: s.metrics, Joiner: js, Lifecycle: lc, FeedToken: s.cfg.FeedToken, FeedSources: sources,
		Submit: func(ctx context.Context, e hrevent.Event) (hrevent.Result, error) {
			return intake.Submit(ctx, s.client, e)
		}}, nil
}

// checkGroupID accepts a group's object id: a GUID.
func checkGroupID(s string) error {
	if len(s) != 36 || strings.Count(s, "-") != 4 || strings.Trim(strings.ToLower(s), "0123456789abcdef-") != "" {
		return fmt.Errorf("not a group object id: give the group's id (a GUID), not its name")
	}
	return nil
}

// checkDomain accepts a DNS domain name such as contoso.com.
func checkDomain(s string) error {
	if !strings.Contains(s, ".") || strings.Trim(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" ||
		strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return fmt.Errorf("not a domain name: give a domain such as contoso.com")
	}
	return nil
}

// check names a journey setting that cannot work, by its variable.
func (c JourneyConfig) check() error {
	if c.DisplayZone != "" {
		if _, err := time.LoadLocation(c.DisplayZone); err != nil {
			return fmt.Errorf("TAPFLOW_DISPLAY_TIME_ZONE=%q is not an IANA zone such as Europe/London", c.DisplayZone)
		}
	}
	if c.Settings.Channel == activities.ChannelWebhook {
		u, err := url.Parse(c.WebhookURL)
		loopback := err == nil && u.Scheme == "http" && (u.Hostname() == "localhost" || net.ParseIP(u.Hostname()).IsLoopback())
		if err != nil || u.Host == "" || (u.Scheme != "https" && !loopback) {
			return fmt.Errorf("TAPFLOW_DELIVERY_WEBHOOK_URL: the webhook channel needs an https:// URL (plain http only on loopback)")
		}
		if _, err := standardwebhooks.NewWebhook(c.WebhookSecret); err != nil || c.WebhookSecret == "" {
			return fmt.Errorf("TAPFLOW_DELIVERY_WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ and base64")
		}
	}
	if c.Settings.Channel == activities.ChannelPickup && c.Settings.PublicURL != "" {
		u, err := url.Parse(c.Settings.PublicURL)
		loopback := err == nil && u.Scheme == "http" && (u.Hostname() == "localhost" || net.ParseIP(u.Hostname()).IsLoopback())
		if err != nil || u.Host == "" || (u.Scheme != "https" && !loopback) || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("TAPFLOW_PUBLIC_URL: the pickup page's origin must be https://host[:port] (plain http only on loopback)")
		}
	}
	if c.Settings.PickupLinkTo == activities.PickupLinkToHire && c.Settings.PickupCode == activities.PickupCodeOff {
		return fmt.Errorf("TAPFLOW_PICKUP_LINK_TO=hire sends the link outside the organisation, so it needs the code " +
			"the manager holds: set TAPFLOW_PICKUP_CODE to auto or required")
	}
	if si := c.Settings.PollSlowInterval; si != 0 && si < c.Settings.PollInterval {
		return fmt.Errorf("TAPFLOW_POLL_SLOW_INTERVAL=%s is shorter than TAPFLOW_POLL_INTERVAL=%s: make it longer, or 0 to keep one interval",
			si, c.Settings.PollInterval)
	}
	if c.MailTemplates != "" {
		if st, err := os.Stat(c.MailTemplates); err != nil || !st.IsDir() {
			return fmt.Errorf("TAPFLOW_MAIL_TEMPLATES=%q is not a directory", c.MailTemplates)
		}
	}
	return nil
}

// auditLogger writes audit lines as JSON, whatever the process log's format.
func (s *Stack) auditLogger() *slog.Logger {
	if s.cfg.AuditLog == nil {
		return s.log.With("component", "audit")
	}
	return slog.New(slog.NewJSONHandler(s.cfg.AuditLog, nil)).With("component", "audit")
}
