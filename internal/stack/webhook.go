package stack

import (
	"context"
	"net/http"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/hooks"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/webhook"
	"github.com/tapflow/tapflow/workflows"
)

// startWebhook mounts the HR webhook receiver (dev mode), with a generated secret when none is configured.
func (s *Stack) startWebhook() error {
	secrets := webhook.SplitSecrets(s.cfg.WebhookSecret)
	if len(secrets) == 0 {
		gen, err := webhook.NewSecret()
		if err != nil {
			return err
		}
		secrets, s.hookGen = []string{gen}, gen
	}
	h, err := webhook.NewHandler(secrets, func(ctx context.Context, e hrevent.Event) (workflows.EventResult, error) {
		return intake.Submit(ctx, s.client, e)
	}, s.log.With("component", "webhook"))
	if err != nil {
		return err
	}
	l := s.hookL
	s.hookURL = "http://" + l.Addr().String() + "/v1/events"
	mux := http.NewServeMux()
	mux.Handle("/", h.WithMetrics(s.metrics).Routes()) // counted in the worker's /metrics
	if err := s.cfg.Vendors.Check(); err != nil {
		return err
	}
	if r := s.cfg.Vendors.Receivers(); len(r) > 0 {
		hooks.NewHandler(r, hooks.StartNotice(s.client), s.log.With("component", "hr-sources"),
			audit.Log{Logger: s.auditLogger()}, s.metrics).Register(mux)
	}
	if s.waiters != nil {
		(&pickup.Handler{Journeys: &pickup.Temporal{Client: s.client, Queue: s.pickupQueue, Waiters: s.waiters,
			WorkflowID: workflows.EmployeeWorkflowID}, Log: s.log.With("component", "pickup"), Key: s.pickupKey,
			Templates: delivery.Templates{Dir: s.cfg.Journey.MailTemplates}}).Register(mux)
	}
	srv := webhook.NewServer(mux)
	s.serveWith(l, srv, "webhook")
	return nil
}

// WebhookURL is the dev-mode HR webhook's URL, or "".
func (s *Stack) WebhookURL() string { return s.hookURL }

// GeneratedWebhookSecret is the secret generated for the dev-mode webhook, or "" when one was configured.
func (s *Stack) GeneratedWebhookSecret() string { return s.hookGen }
