package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/pickup"
)

// RefusedNoSecondChannel: codes are required and the event names neither the hire's own address nor a phone
// the signed webhook can reach.
const RefusedNoSecondChannel Refusal = "no_second_channel"

// RefusedSameRecipient: the link and its code would go to one mailbox, which defeats split knowledge.
const RefusedSameRecipient Refusal = "split_knowledge_same_recipient"

// InviteRequest asks for a pickup invitation: a link, never a pass, to the recipient the trust rules allow.
type InviteRequest struct {
	EmployeeID string    `json:"employee_id"`
	UserID     string    `json:"user_id"`
	Language   string    `json:"language,omitempty"`
	Expires    time.Time `json:"expires"`
	// Recipient is what a pre-flight moments ago read; nil: read it.
	Recipient *Recipient `json:"recipient,omitempty"`
	// PersonalEmail and MobilePhone are the hire's own, from the HR event: the second channel, for the one-time
	// code (the address first; the phone through the signed webhook, an SMS gateway).
	PersonalEmail string `json:"personal_email,omitempty"`
	MobilePhone   string `json:"mobile_phone,omitempty"`
}

// InviteResult is the sent invitation: the link's hash (the link itself exists only in the message), or a
// refusal when nobody may receive it.
type InviteResult struct {
	Hash      string  `json:"hash,omitempty"`
	CodeHash  string  `json:"code_hash,omitempty"` // set when a one-time code went to the second channel
	Channel   string  `json:"channel,omitempty"`
	MessageID string  `json:"message_id,omitempty"`
	Refusal   Refusal `json:"refusal,omitempty"`
	Message   string  `json:"message,omitempty"`
}

// Invite makes a single-use link for the employee and sends it, with its one-time code over the other channel
// when there is one: only their hashes leave this activity. A retry makes a new link; the journey keeps the hash
// of the last one sent, so an earlier one is dead.
func (j *Journey) Invite(ctx context.Context, req InviteRequest) (InviteResult, error) {
	if j.Settings.PublicURL == "" {
		return InviteResult{}, errors.New("pickup delivery needs the page's public origin: set TAPFLOW_PUBLIC_URL")
	}
	rcpt, err := j.recipient(ctx, IssueRequest{EmployeeID: req.EmployeeID, UserID: req.UserID, Recipient: req.Recipient})
	if err != nil {
		return InviteResult{}, err
	}
	to := []string{rcpt.ManagerMail}
	if rcpt.ManagerMail == "" {
		to = nil
		if f := j.Settings.FallbackRecipient; f != "" {
			to = []string{f}
		}
	}
	if refused, ok := j.inviteRefusal(ctx, req, to); ok {
		return refused, nil
	}
	token, hash, err := j.Settings.PickupKey.NewToken(req.EmployeeID, nil)
	if err != nil {
		return InviteResult{}, fmt.Errorf("make the pickup link: %w", err)
	}
	r := j.routes(req, rcpt, to)
	r.link.Link = graph.NewPass(strings.TrimRight(j.Settings.PublicURL, "/") + "/p/" + token)
	receipt, err := j.Delivery.Deliver(ctx, r.link)
	if err != nil {
		return InviteResult{}, deliveryFailure(err)
	}
	j.record(ctx, audit.Entry{Action: "pickup.invited", EmployeeID: req.EmployeeID, UserID: req.UserID,
		Channel: r.linkChannel, MessageID: receipt.MessageID})
	codeHash, err := j.sendCode(ctx, r, hash)
	if err != nil {
		return InviteResult{}, err
	}
	return InviteResult{Hash: hash, CodeHash: codeHash, Channel: r.linkChannel, MessageID: receipt.MessageID}, nil
}

// inviteRefusal refuses an invitation nobody may receive: no recipient inside the organisation, codes required
// but no second channel, or the link and its code bound for one mailbox.
func (j *Journey) inviteRefusal(ctx context.Context, req InviteRequest, to []string) (InviteResult, bool) {
	refuse := func(r Refusal, msg string) (InviteResult, bool) {
		j.record(ctx, audit.Entry{Action: "pickup.refused", EmployeeID: req.EmployeeID, UserID: req.UserID, Reason: string(r)})
		return InviteResult{Refusal: r, Message: msg}, true
	}
	switch {
	case len(to) == 0:
		return InviteResult{Refusal: RefusedNoDeliveryTarget, Message: "The manager has no mailbox inside the " +
			"organisation and no fallback recipient is configured (TAPFLOW_FALLBACK_RECIPIENT): no invitation was sent."}, true
	case j.Settings.PickupCode == PickupCodeRequired && req.PersonalEmail == "" && (req.MobilePhone == "" || !j.Settings.CodeByWebhook):
		return refuse(RefusedNoSecondChannel, "Pickup codes are required and the HR event names no second channel: "+
			"add employee.personal_email (or employee.mobile_phone with the SMS webhook).")
	case req.PersonalEmail != "" && j.Settings.PickupCode != PickupCodeOff && graph.SameMailbox(req.PersonalEmail, to[0]):
		return refuse(RefusedSameRecipient, "The hire's own address is the invitation's recipient, so the link and "+
			"its code would travel together: correct employee.personal_email.")
	}
	return InviteResult{}, false
}

// inviteRoutes is where a link and its code go, and the channels' names for the audit.
type inviteRoutes struct {
	link, code               delivery.Notice // code.Kind "": no code
	linkChannel, codeChannel string
}

// routes decides the split: the link to the vetted manager (or fallback) and the code to the hire's own address
// or phone (SMS through the signed webhook); or, with PickupLinkTo hire, the reverse. The code is not a pass, so
// it may leave the organisation; without a second channel (or with codes off) only the link goes, to the manager.
func (j *Journey) routes(req InviteRequest, rcpt Recipient, to []string) inviteRoutes {
	base := delivery.Notice{EmployeeID: req.EmployeeID, UserID: req.UserID, DisplayName: rcpt.DisplayName,
		Language: req.Language, Expires: req.Expires}
	manager := func(kind string) delivery.Notice {
		n := base
		n.Kind, n.Channel, n.To = kind, ChannelManagerMail, to
		return n
	}
	hire, hireChannel := base, ""
	switch {
	case req.PersonalEmail != "":
		hire.Channel, hire.To, hireChannel = ChannelManagerMail, []string{req.PersonalEmail}, "personal-mail"
	case req.MobilePhone != "" && j.Settings.CodeByWebhook:
		hire.Channel, hire.Phone, hireChannel = ChannelWebhook, req.MobilePhone, "sms-webhook"
	}
	switch {
	case hireChannel == "" || j.Settings.PickupCode == PickupCodeOff:
		return inviteRoutes{link: manager(delivery.KindInvite), linkChannel: ChannelManagerMail}
	case j.Settings.PickupLinkTo == PickupLinkToHire:
		hire.Kind = delivery.KindInviteHire
		return inviteRoutes{link: hire, linkChannel: hireChannel, code: manager(delivery.KindCodeManager), codeChannel: ChannelManagerMail}
	}
	hire.Kind = delivery.KindCode
	return inviteRoutes{link: manager(delivery.KindInvite), linkChannel: ChannelManagerMail, code: hire, codeChannel: hireChannel}
}

// sendCode sends the link's one-time code over the route's other channel and returns the code's digest under
// the pickup key ("" when no code was sent).
func (j *Journey) sendCode(ctx context.Context, r inviteRoutes, linkHash string) (string, error) {
	if r.code.Kind == "" {
		return "", nil
	}
	if len(j.Settings.PickupKey) == 0 {
		return "", errors.New("a pickup code needs TAPFLOW_PICKUP_KEY, shared with starter serve --pickup")
	}
	code, err := pickup.NewCode(nil)
	if err != nil {
		return "", err
	}
	codeHash := j.Settings.PickupKey.CodeDigest(linkHash, code)
	r.code.Link = graph.NewPass(code)
	receipt, err := j.Delivery.Deliver(ctx, r.code)
	if err != nil {
		return "", deliveryFailure(err)
	}
	j.record(ctx, audit.Entry{Action: "pickup.code_sent", EmployeeID: r.code.EmployeeID, UserID: r.code.UserID,
		Channel: r.codeChannel, MessageID: receipt.MessageID})
	return codeHash, nil
}

// Pickup creates a pass at the moment its hire reveals it. It runs on the pickup page's own task queue, in the
// process whose HTTP response waits for the value (Waiters), so the value goes from Graph to that response in
// memory and never through Temporal.
type Pickup struct {
	Journey *Journey // Graph, audit, policy cache, issuance guard and settings
	Waiters *pickup.Waiters
}

// CreateRequest asks for the pass of a reveal.
type CreateRequest struct {
	EmployeeID string `json:"employee_id"`
	UserID     string `json:"user_id"`
	WaiterID   string `json:"waiter_id"`
	Kind       string `json:"kind,omitempty"`
	PassKey    string `json:"pass_key,omitempty"`
	// The workers' pass settings, from the journey's timing: the page's process creates the pass they would.
	// Zero: the page process's own.
	LifetimeMinutes int             `json:"lifetime_minutes,omitempty"`
	UsableOnce      bool            `json:"usable_once,omitempty"`
	Issuance        issuance.Limits `json:"issuance,omitempty"`
}

// CreateResult is the created pass's metadata, never its value. Undelivered: nobody waited for it any more, so
// nothing is live (it was revoked, or never created).
type CreateResult struct {
	MethodID    string    `json:"method_id,omitempty"`
	Start       time.Time `json:"start"`
	Expires     time.Time `json:"expires"`
	UsableOnce  bool      `json:"usable_once,omitempty"`
	Held        string    `json:"held,omitempty"`
	Refusal     Refusal   `json:"refusal,omitempty"`
	Undelivered bool      `json:"undelivered,omitempty"`
}
