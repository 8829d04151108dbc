package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// CreateTAP implements Client. A retry of this call replaces the pass the first attempt created (Graph keeps
// one pass per user), so callers deliver the value from the same attempt that created it.
func (s *SDK) CreateTAP(ctx context.Context, user string, req TAPRequest) (IssuedTAP, error) {
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	if !req.Start.IsZero() {
		start := req.Start.UTC()
		body.SetStartDateTime(&start)
	}
	if req.LifetimeMinutes > 0 {
		lifetime := int32(req.LifetimeMinutes)
		body.SetLifetimeInMinutes(&lifetime)
	}
	body.SetIsUsableOnce(req.UsableOnce)
	created, err := s.users.ByUserId(user).Authentication().TemporaryAccessPassMethods().Post(ctx, body, nil)
	if err != nil {
		return IssuedTAP{}, classify("CreateTAP", err)
	}
	if created == nil {
		return IssuedTAP{}, &Error{Op: "CreateTAP", Kind: KindInvalidRequest, Message: "Graph answered without a pass"}
	}
	pass := NewPass(deref(created.GetTemporaryAccessPass()))
	created.SetTemporaryAccessPass(nil) // the value lives only in the returned Pass
	if pass.IsZero() {
		return IssuedTAP{}, &Error{Op: "CreateTAP", Kind: KindInvalidRequest, Message: "Graph answered without a pass value"}
	}
	return IssuedTAP{TAP: tapFromModel(created), Pass: pass}, nil
}

// ListTAPs implements Client.
func (s *SDK) ListTAPs(ctx context.Context, user string) ([]TAP, error) {
	resp, err := s.users.ByUserId(user).Authentication().TemporaryAccessPassMethods().Get(ctx, nil)
	if err != nil {
		return nil, classify("ListTAPs", err)
	}
	var out []TAP
	if resp != nil {
		for _, t := range resp.GetValue() {
			out = append(out, tapFromModel(t))
		}
	}
	return out, nil
}

// DeleteTAP implements Client.
func (s *SDK) DeleteTAP(ctx context.Context, user, methodID string) error {
	err := s.users.ByUserId(user).Authentication().TemporaryAccessPassMethods().
		ByTemporaryAccessPassAuthenticationMethodId(methodID).Delete(ctx, nil)
	return classify("DeleteTAP", err)
}

// GetTAPPolicy implements Client.
func (s *SDK) GetTAPPolicy(ctx context.Context) (TAPPolicy, error) {
	cfg, err := s.policies.AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Get(ctx, nil)
	if err != nil {
		return TAPPolicy{}, classify("GetTAPPolicy", err)
	}
	if cfg == nil {
		return TAPPolicy{}, &Error{Op: "GetTAPPolicy", Kind: KindInvalidRequest, Message: "Graph answered without a policy"}
	}
	return policyFromModel(cfg), nil
}

// SendMail implements Client.
func (s *SDK) SendMail(ctx context.Context, sender string, mail Mail) error {
	msg := models.NewMessage()
	msg.SetSubject(&mail.Subject)
	body := models.NewItemBody()
	content := mail.Body.Reveal()
	body.SetContent(&content)
	contentType := models.TEXT_BODYTYPE
	if mail.HTML {
		contentType = models.HTML_BODYTYPE
	}
	body.SetContentType(&contentType)
	msg.SetBody(body)
	recipients := make([]models.Recipientable, 0, len(mail.To))
	for _, to := range mail.To {
		addr := models.NewEmailAddress()
		a := to
		addr.SetAddress(&a)
		r := models.NewRecipient()
		r.SetEmailAddress(addr)
		recipients = append(recipients, r)
	}
	msg.SetToRecipients(recipients)
	req := users.NewItemSendMailPostRequestBody()
	req.SetMessage(msg)
	save := false // the pass must not linger in the sender's Sent Items
	req.SetSaveToSentItems(&save)
	return classify("SendMail", s.users.ByUserId(sender).SendMail().Post(ctx, req, nil))
}

// RevokeSessions implements Client. Graph answers 200 with {"value":true} or, by a known issue, 204: both are success.
func (s *SDK) RevokeSessions(ctx context.Context, user string) error {
	_, err := s.users.ByUserId(user).RevokeSignInSessions().Post(ctx, nil)
	return classify("RevokeSessions", err)
}

// SetAccountEnabled implements Client.
func (s *SDK) SetAccountEnabled(ctx context.Context, user string, enabled bool) error {
	patch := models.NewUser()
	patch.SetAccountEnabled(&enabled)
	_, err := s.users.ByUserId(user).Patch(ctx, patch, nil)
	return classify("SetAccountEnabled", err)
}

// ListMemberships implements Client. It reads transitiveMemberOf, so roles held through a role-assignable
// group count too.
func (s *SDK) ListMemberships(ctx context.Context, user string) (Memberships, error) {
	b := s.users.ByUserId(user).TransitiveMemberOf()
	resp, err := b.Get(ctx, nil)
	var out Memberships
	for {
		if err != nil {
			return Memberships{}, classify("ListMemberships", err)
		}
		if resp == nil {
			return out, nil
		}
		for _, obj := range resp.GetValue() {
			addMembership(&out, obj)
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			return out, nil
		}
		resp, err = b.WithUrl(*next).Get(ctx, nil)
	}
}
