// Package webhook is the HR webhook receiver (docs/events.md): POST /v1/events with a Standard Webhooks
// signature (several secrets may be valid at once, for rotation), handed to the intake; 202 only once Temporal
// has accepted the event, 200 for a duplicate, 400 listing every field problem, 401, 413, 415, and 503 with
// Retry-After when Temporal is down. Request logs carry the event id, never the body.
package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/workflows"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Submitter hands a valid event to Temporal (intake.Submit, bound to a client).
type Submitter func(ctx context.Context, e hrevent.Event) (workflows.EventResult, error)

// Handler serves the webhook.
type Handler struct {
	verifiers []*standardwebhooks.Webhook
	submit    Submitter
	log       *slog.Logger
	timeout   time.Duration
	metrics   Recorder // nil: nothing is counted
}

// Recorder counts deliveries by the status answered (metrics.Metrics is the real one).
type Recorder interface {
	WebhookRequest(status int)
}

// WithMetrics counts every delivery by its status in m, and returns the handler.
func (h *Handler) WithMetrics(m Recorder) *Handler {
	h.metrics = m
	return h
}

// NewHandler checks the secrets (whsec_ and base64 each) and builds the handler.
func NewHandler(secrets []string, submit Submitter, log *slog.Logger) (*Handler, error) {
	h := &Handler{submit: submit, log: log, timeout: 15 * time.Second}
	for i, s := range secrets {
		s = strings.TrimSpace(s)
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if !strings.HasPrefix(s, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 {
			return nil, fmt.Errorf("webhook secret %d is not a Standard Webhooks secret: whsec_ followed by the base64 "+
				"of 24 to 64 random bytes (generate one with: openssl rand -base64 32)", i+1)
		}
		wh, err := standardwebhooks.NewWebhookRaw(key)
		if err != nil {
			return nil, fmt.Errorf("webhook secret %d: %w", i+1, err)
		}
		h.verifiers = append(h.verifiers, wh)
	}
	if len(h.verifiers) == 0 {
		return nil, errors.New("no webhook secret: set TAPFLOW_WEBHOOK_SECRET (whsec_...; several, comma-separated, while rotating)")
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// Routes mounts POST /v1/events and GET /healthz.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", h.events)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return mux
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  []hrevent.Problem `json:"fields,omitempty"`
	} `json:"error"`
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	eventID := ""
	status := h.serve(w, r, &eventID)
	if h.metrics != nil {
		h.metrics.WebhookRequest(status)
	}
	h.log.Info("webhook request", "method", r.Method, "path", r.URL.Path, "status", status, "event_id", eventID,
		"duration_ms", time.Since(start).Milliseconds())
}

// serve handles one delivery and returns the status it answered.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, eventID *string) int {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fail(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the event as Content-Type: application/json", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fail(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is over 1 MiB", nil)
	}
	if err != nil {
		return fail(w, http.StatusBadRequest, "invalid_event", "the body could not be read", nil)
	}
	*eventID = unverifiedID(r.Header.Get(standardwebhooks.HeaderWebhookID)) // the event's own, once it is valid
	if !h.verified(body, r.Header) {
		return fail(w, http.StatusUnauthorized, "invalid_signature", "missing or invalid webhook-signature, or webhook-timestamp "+
			"more than 5 minutes from now: sign \"{webhook-id}.{webhook-timestamp}.{body}\" with HMAC-SHA256", nil)
	}
	e, err := ParseEvent(body, r.Header.Get(standardwebhooks.HeaderWebhookID))
	var problems hrevent.Problems
	if errors.As(err, &problems) {
		return fail(w, http.StatusBadRequest, "invalid_event", problems.Error(), problems)
	}
	*eventID = e.ID
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	res, err := h.submit(ctx, e)
	switch {
	case errors.As(err, &problems):
		return fail(w, http.StatusBadRequest, "invalid_event", problems.Error(), problems)
	case err != nil && unavailable(err):
		h.log.Warn("event not handed to Temporal", "event_id", e.ID, "error", err)
		w.Header().Set("Retry-After", "5")
		return fail(w, http.StatusServiceUnavailable, "temporarily_unavailable",
			"Temporal could not be reached in time: retry later (a retry of an applied event answers duplicate)", nil)
	case err != nil:
		h.log.Error("event refused by Temporal", "event_id", e.ID, "error", err)
		return fail(w, http.StatusInternalServerError, "internal_error", "Temporal refused the event; see the receiver's log", nil)
	}
	code := http.StatusAccepted
	if res.Status != workflows.EventAccepted {
		code = http.StatusOK // duplicate or stale: nothing new happens
	}
	answer := map[string]string{"status": res.Status, "event_id": res.EventID, "workflow_id": res.WorkflowID}
	if res.Reason != "" {
		answer["reason"] = res.Reason // a refusal says why
	}
	return reply(w, code, answer)
}

// verified checks the signature against every configured secret (more than one while rotating).
func (h *Handler) verified(body []byte, headers http.Header) bool {
	for _, v := range h.verifiers {
		if v.Verify(body, headers) == nil {
			return true
		}
	}
	return false
}

func fail(w http.ResponseWriter, status int, code, message string, fields []hrevent.Problem) int {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = code, message, fields
	return reply(w, status, b)
}

// unavailable reports a failure that a retry may mend: Temporal down, overloaded or slow.
func unavailable(err error) bool {
	var (
		down   *serviceerror.Unavailable
		slow   *serviceerror.DeadlineExceeded
		busy   *serviceerror.ResourceExhausted
		netErr net.Error
	)
	return errors.As(err, &down) || errors.As(err, &slow) || errors.As(err, &busy) || errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		status.Code(errors.Unwrap(err)) == codes.Unavailable || strings.Contains(err.Error(), "connection refused")
}

// unverifiedID is a header id that nothing has checked yet, fit for a log line: at most 64 characters of the
// event id's alphabet, anything else as '?', and "…" when cut, so a forged header cannot forge log lines or fill
// them.
func unverifiedID(id string) string {
	const max = 64
	cut := len(id) > max
	if cut {
		id = id[:max]
	}
	out := []byte(id)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			out[i] = '?'
		}
	}
	if cut {
		return string(out) + "…"
	}
	return string(out)
}
