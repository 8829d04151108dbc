package stack

import (
	"context"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
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
	l, err := listen(s.cfg.WebhookAddress, "webhook-address")
	if err != nil {
		return err
	}
	s.hookURL = "http://" + l.Addr().String() + "/v1/events"
	srv := webhook.NewServer(h.WithMetrics(s.metrics).Routes()) // counted in the worker's /metrics
	s.serveWith(l, srv, "webhook")
	return nil
}

// WebhookURL is the dev-mode HR webhook's URL, or "".
func (s *Stack) WebhookURL() string { return s.hookURL }

// GeneratedWebhookSecret is the secret generated for the dev-mode webhook, or "" when one was configured.
func (s *Stack) GeneratedWebhookSecret() string { return s.hookGen }
