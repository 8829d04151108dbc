package graphemu

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The outbox is everything sent out of band, as a recipient would see it: the sendMail messages with a
// recipient outside the tenant's domains, and the deliveries POSTed to the webhook sink (the dev stack
// points tapflow's signed-webhook delivery channel, such as an SMS gateway, at it). Like the mail log, it
// is kept in memory only, never logged, and emptied by a reset.

// maxWebhookBody bounds one delivery to the webhook sink.
const maxWebhookBody = 1 << 20

// outboxMail is a sendMail message in the outbox; To holds only the recipients outside the tenant's domains.
type outboxMail struct {
	Kind    string    `json:"kind"` // "mail"
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Time    time.Time `json:"time"`
}

// outboxWebhook is a delivery to the webhook sink. Body is a json.RawMessage, or the raw string when it is not JSON.
type outboxWebhook struct {
	Kind      string    `json:"kind"` // "webhook"
	WebhookID string    `json:"webhook_id"`
	Body      any       `json:"body"`
	Verified  bool      `json:"verified"`
	Time      time.Time `json:"time"`
}

// webhookSecretBody is the body of PUT /_emulator/webhook.
type webhookSecretBody struct {
	Secret string `json:"secret"`
}

// webhookStatus is the answer of GET and PUT /_emulator/webhook; it never holds the secret.
type webhookStatus struct {
	SecretSet bool `json:"secret_set"`
}

// recordMail logs msg as sent and, when it has recipients outside the tenant's domains, puts it in the outbox.
func (s *state) recordMail(msg mailMessage) {
	s.mail = append(s.mail, msg)
	if out := s.outsideAddresses(msg); len(out) > 0 {
		s.outbox = append(s.outbox, outboxMail{Kind: "mail", To: out, Subject: msg.Subject, Body: msg.Body, Time: msg.SentAt})
	}
}

// outsideAddresses returns msg's recipients (to, cc, then bcc; each once) whose domain, the part after the
// last '@', is none of the tenant's domains.
func (s *state) outsideAddresses(msg mailMessage) []string {
	var out []string
	for _, a := range slices.Concat(msg.To, msg.Cc, msg.Bcc) {
		domain := strings.ToLower(a[strings.LastIndex(a, "@")+1:])
		if slices.ContainsFunc(s.domains, func(d Domain) bool { return d.ID == domain }) ||
			slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, a) }) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// getOutbox serves GET /_emulator/outbox: the out-of-band entries, newest last.
func (e *Emulator) getOutbox(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := append([]any{}, e.st.outbox...)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// deleteOutbox serves DELETE /_emulator/outbox; the mail log and the webhook secret stay.
func (e *Emulator) deleteOutbox(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.outbox = nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}

// postWebhook serves POST /_emulator/webhook, the sink of signed-webhook deliveries: with a secret set, a
// delivery whose webhook-id, webhook-timestamp and webhook-signature do not verify (Standard Webhooks,
// timestamp within 5 minutes of the real clock) is refused with 401 and not recorded; without one, every
// delivery is recorded with verified false.
func (e *Emulator) postWebhook(w http.ResponseWriter, r *http.Request, _ []string) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, r, http.StatusRequestEntityTooLarge, codeBadRequest, "the delivery body is over 1 MiB")
		return
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "the delivery body could not be read")
		return
	}
	entry := outboxWebhook{Kind: "webhook", WebhookID: r.Header.Get(standardwebhooks.HeaderWebhookID),
		Body: string(raw), Time: e.now().UTC()}
	if json.Valid(raw) {
		entry.Body = json.RawMessage(raw)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if key := e.st.hookKey; key != nil {
		if key.Verify(raw, r.Header) != nil {
			writeError(w, r, http.StatusUnauthorized, "InvalidSignature", "missing or invalid webhook-signature, "+
				"or webhook-timestamp more than 5 minutes from now: sign \"{webhook-id}.{webhook-timestamp}.{body}\" "+
				"with HMAC-SHA256 and the secret of PUT /_emulator/webhook")
			return
		}
		entry.Verified = true
	}
	e.st.outbox = append(e.st.outbox, entry)
	writeNoContent(w, http.StatusNoContent)
}

// getWebhook serves GET /_emulator/webhook.
func (e *Emulator) getWebhook(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	set := e.st.hookKey != nil
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, webhookStatus{SecretSet: set})
}

// putWebhook serves PUT /_emulator/webhook: set the Standard Webhooks secret (whsec_ and base64) deliveries must be
// signed with.
func (e *Emulator) putWebhook(w http.ResponseWriter, r *http.Request, _ []string) {
	var body webhookSecretBody
	if err := strictDecode(r, &body); err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "invalid body: "+err.Error())
		return
	}
	encoded, ok := strings.CutPrefix(strings.TrimSpace(body.Secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(encoded)
	if !ok || err != nil || len(key) == 0 {
		writeError(w, r, http.StatusBadRequest, codeBadRequest,
			"secret must be a Standard Webhooks secret: whsec_ followed by base64 (make one with: echo whsec_$(openssl rand -base64 32))")
		return
	}
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadRequest, "secret: "+err.Error())
		return
	}
	e.mu.Lock()
	e.st.hookKey = wh
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, webhookStatus{SecretSet: true})
}

// deleteWebhook serves DELETE /_emulator/webhook: forget the secret, so deliveries are recorded unverified again.
func (e *Emulator) deleteWebhook(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.hookKey = nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}
