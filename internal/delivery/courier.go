package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tapflow/tapflow/internal/graph"
)

// The kinds of notice.
const (
	KindPass     = "pass"
	KindReminder = "reminder"
	KindExpired  = "expired"
	// KindInvite is a pickup invitation: the link to the page where the hire reveals the pass, never the pass.
	KindInvite = "invite"
	// KindCode is a pickup link's one-time code, to the hire's own address (its value travels as Link).
	KindCode = "code"
	// KindInviteHire is a pickup invitation to the hire's own address or phone, when the code goes to the manager.
	KindInviteHire = "invite-hire"
	// KindCodeManager is a pickup link's one-time code to the manager, when the link went to the hire.
	KindCodeManager = "code-manager"
	// KindAlert is a security alert to the security mailbox: a reason code and what happened, never a pass.
	KindAlert = "alert"
)

// Notice is something to tell: a new pass (with its value), a reminder, an expiry.
type Notice struct {
	Kind              string
	Channel           string   // "manager-mail" or "webhook"
	To                []string // mail recipients; unused by the webhook channel
	EmployeeID        string
	UserID            string
	UserPrincipalName string
	DisplayName       string
	Language          string
	Pass              graph.Pass // only for KindPass
	Start, Expires    time.Time
	UsableOnce        bool
	Reissue           bool       // an expiry that a new pass will follow
	Reason, Detail    string     // only for KindAlert: the reason code and a sentence
	Link              graph.Pass // only for KindInvite: the pickup link, a bearer secret until used
	Phone             string     // only for a KindCode or KindInviteHire sent by webhook: the hire's mobile number (E.164)
}

// Receipt says how a notice went out. It holds no secret and no address.
type Receipt struct {
	Channel   string `json:"channel"`
	MessageID string `json:"message_id"`
}

// ErrPermanent marks a delivery failure that a retry will not mend (a 4xx from the webhook endpoint, a
// template that does not render).
var ErrPermanent = errors.New("permanent delivery failure")

// Courier delivers notices by mail through Graph or by a Standard Webhooks-signed POST.
type Courier struct {
	Graph     graph.Client
	Sender    string // the sending mailbox (UPN or object id)
	Templates Templates
	Location  *time.Location // how times are shown; nil = UTC

	WebhookURL string
	Webhook    *standardwebhooks.Webhook
	HTTP       *http.Client
}

// Deliver sends a notice on its channel.
func (c *Courier) Deliver(ctx context.Context, n Notice) (Receipt, error) {
	id, err := messageID()
	if err != nil {
		return Receipt{}, err
	}
	msg, err := c.Templates.render(n.Kind, n.Language, c.data(n))
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	switch n.Channel {
	case "webhook":
		return Receipt{Channel: n.Channel, MessageID: id}, c.post(ctx, id, n, msg)
	default:
		if c.Sender == "" {
			return Receipt{}, fmt.Errorf("%w: no sender mailbox is configured (TAPFLOW_SENDER_MAILBOX)", ErrPermanent)
		}
		err := c.Graph.SendMail(ctx, c.Sender, graph.Mail{To: n.To, Subject: msg.Subject, Body: graph.NewPass(msg.HTML), HTML: true})
		if err != nil {
			return Receipt{}, fmt.Errorf("send the %s mail: %w", n.Kind, err)
		}
		return Receipt{Channel: n.Channel, MessageID: id}, nil
	}
}

// templateData is what templates see. Pass is the one place the value is a plain string.
type templateData struct {
	DisplayName, UserPrincipalName, Pass, Start, Expires string
	UsableOnce, Reissue                                  bool
	Reason, Detail, Link                                 string
}

func (c *Courier) data(n Notice) templateData {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	name := n.DisplayName
	if name == "" {
		name = "The new starter"
	}
	return templateData{DisplayName: name, UserPrincipalName: n.UserPrincipalName, Pass: n.Pass.Reveal(),
		Start: n.Start.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), Expires: n.Expires.In(loc).Format("Mon 2 Jan 2006 15:04 MST"),
		UsableOnce: n.UsableOnce, Reissue: n.Reissue, Reason: n.Reason, Detail: n.Detail, Link: n.Link.Reveal()}
}

// webhookBody is the JSON a webhook endpoint receives.
type webhookBody struct {
	Type       string    `json:"type"`
	EmployeeID string    `json:"employee_id"`
	UserID     string    `json:"user_id"`
	User       string    `json:"user"`
	Pass       string    `json:"pass,omitempty"`
	Start      time.Time `json:"start"`
	Expires    time.Time `json:"expires"`
	UsableOnce bool      `json:"usable_once"`
	Subject    string    `json:"subject"`
	Text       string    `json:"text"`
	Phone      string    `json:"phone,omitempty"` // a code for an SMS gateway: the number to send Text to
}

func (c *Courier) post(ctx context.Context, id string, n Notice, msg rendered) error {
	if c.WebhookURL == "" || c.Webhook == nil {
		return fmt.Errorf("%w: the webhook channel needs TAPFLOW_DELIVERY_WEBHOOK_URL and TAPFLOW_DELIVERY_WEBHOOK_SECRET", ErrPermanent)
	}
	body, err := json.Marshal(webhookBody{Type: "tapflow." + n.Kind, EmployeeID: n.EmployeeID, UserID: n.UserID,
		User: n.UserPrincipalName, Pass: n.Pass.Reveal(), Start: n.Start, Expires: n.Expires, UsableOnce: n.UsableOnce,
		Subject: msg.Subject, Text: msg.Text, Phone: n.Phone})
	if err != nil {
		return fmt.Errorf("%w: encode the webhook body: %v", ErrPermanent, err)
	}
	now := time.Now()
	sig, err := c.Webhook.Sign(id, now, body)
	if err != nil {
		return fmt.Errorf("%w: sign the webhook: %v", ErrPermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: webhook request: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, fmt.Sprint(now.Unix()))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// Never follow a redirect: it would resend the body, pass included, to wherever it points.
	noRedirects := *client
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirects.Do(req)
	if err != nil {
		// Name the host only: a URL's path or query may hold a token. The error never carries the body.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("post the %s webhook to %s: %w", n.Kind, req.URL.Host, err)
	}
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("%w: the webhook endpoint redirected (%d); configure its final URL", ErrPermanent, resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests &&
		resp.StatusCode != http.StatusRequestTimeout:
		return fmt.Errorf("%w: the webhook endpoint answered %d", ErrPermanent, resp.StatusCode)
	default:
		return fmt.Errorf("the webhook endpoint answered %d", resp.StatusCode)
	}
}

func messageID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	return "msg_" + hex.EncodeToString(b), nil
}
