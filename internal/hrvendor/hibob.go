package hrvendor

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HiBobSignatureHeader carries base64 of HMAC-SHA512 over the raw body (docs/hr-sources.md).
const HiBobSignatureHeader = "Bob-Signature"

// DefaultHiBobBaseURL is Bob's API base.
const DefaultHiBobBaseURL = "https://api.hibob.com"

// DefaultHiBobMaxEventAge bounds how old a delivery's signed triggeredAt may be: Bob sends no timestamp header,
// and retries for up to 3 days.
const DefaultHiBobMaxEventAge = 4 * 24 * time.Hour

// HiBobConfig configures the HiBob adapter.
type HiBobConfig struct {
	// Secrets are the webhook signing secrets; a delivery signed with any of them verifies (rotation).
	Secrets []string
	// BaseURL is the API base; empty = DefaultHiBobBaseURL (an emulator's URL in tests).
	BaseURL string
	// ServiceUserID and Token are the API service user's credentials (Basic auth).
	ServiceUserID string
	Token         string
	// Fields are the field ids Fetch asks for (the mapping's VendorMapping.Fields); empty = Bob's default
	// categories, which do not include custom fields.
	Fields []string
	// HumanReadable is sent as the request's humanReadable ("APPEND" or "REPLACE"); empty = not sent.
	HumanReadable string
	// HTTPClient makes the API calls; nil = NewHTTPClient().
	HTTPClient *http.Client
	// MaxEventAge bounds the age of a delivery's signed triggeredAt; 0 = DefaultHiBobMaxEventAge, negative = no
	// bound.
	MaxEventAge time.Duration
}

// HiBob is the HiBob (Bob) adapter.
type HiBob struct{ cfg HiBobConfig }

var _ Adapter = (*HiBob)(nil)

// NewHiBob returns a HiBob adapter, filling defaults into a copy of cfg.
func NewHiBob(cfg HiBobConfig) *HiBob {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultHiBobBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient()
	}
	if cfg.MaxEventAge == 0 {
		cfg.MaxEventAge = DefaultHiBobMaxEventAge
	}
	cfg.Secrets = append([]string(nil), cfg.Secrets...)
	cfg.Fields = append([]string(nil), cfg.Fields...)
	return &HiBob{cfg: cfg}
}

// Name returns VendorHiBob.
func (b *HiBob) Name() string { return VendorHiBob }

// SignHiBob returns the Bob-Signature value for body: standard base64 of HMAC-SHA512 keyed with secret.
func SignHiBob(secret string, body []byte) string {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks Bob-Signature against every configured secret in constant time. Bob sends no timestamp header,
// so the body's signed triggeredAt bounds a replay: an employee event's must be readable, at most MaxEventAge
// old and at most 5 minutes ahead; a connection test or another event family needs none.
func (b *HiBob) Verify(h http.Header, body []byte, now time.Time) error {
	sig := strings.TrimSpace(h.Get(HiBobSignatureHeader))
	if sig == "" {
		return fmt.Errorf("hibob: %s header missing: %w", HiBobSignatureHeader, ErrBadSignature)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		got, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(sig, "="))
	}
	if err != nil || len(got) != sha512.Size {
		return fmt.Errorf("hibob: %s is not a base64 SHA-512 digest: %w", HiBobSignatureHeader, ErrBadSignature)
	}
	ok := false
	for _, s := range b.cfg.Secrets {
		if s == "" {
			continue
		}
		m := hmac.New(sha512.New, []byte(s))
		m.Write(body)
		ok = hmac.Equal(m.Sum(nil), got) || ok
	}
	if !ok {
		return fmt.Errorf("hibob: signature made with none of the %d configured secrets: %w", len(b.cfg.Secrets), ErrBadSignature)
	}
	return b.checkAge(body, now)
}

// checkAge applies MaxEventAge to the body's triggeredAt. An employee event (one Parse makes a notice of) without
// a readable one is stale: missing, not a string, in an unknown format, or in a body that is not exactly one JSON
// object (the same strict decoding Parse uses). The connection test and other event families pass.
func (b *HiBob) checkAge(body []byte, now time.Time) error {
	if b.cfg.MaxEventAge < 0 {
		return nil
	}
	trimmed := bytes.TrimSpace(body)
	if isHiBobPing(trimmed) {
		return nil
	}
	var ev struct {
		Type        string `json:"type"`
		TriggeredAt any    `json:"triggeredAt"`
	}
	if err := decodeJSON(trimmed, &ev); err != nil {
		return fmt.Errorf("hibob: the body is not one JSON object, so it has no readable triggeredAt: %w", ErrStale)
	}
	if hibobKind(ev.Type) == "" {
		return nil
	}
	s, _ := ev.TriggeredAt.(string)
	at := readTime(s)
	if at.IsZero() {
		return fmt.Errorf("hibob: an employee event without a readable triggeredAt: %w", ErrStale)
	}
	if age := now.Sub(at); age > b.cfg.MaxEventAge {
		return fmt.Errorf("hibob: triggeredAt is %s old, over the %s bound: %w", age.Round(time.Second), b.cfg.MaxEventAge, ErrStale)
	}
	if age := now.Sub(at); -age > DefaultReplayWindow {
		return fmt.Errorf("hibob: triggeredAt is %s ahead of the clock, over %s: %w", (-age).Round(time.Second),
			DefaultReplayWindow, ErrStale)
	}
	return nil
}

// Fetch reads POST {base}/v1/people/{id} with the configured fields. The nested answer is flattened with dots;
// top-level values are also given under "root." (Bob's field ids name them so: root.email).
func (b *HiBob) Fetch(ctx context.Context, employeeID string) (Record, error) {
	if err := checkEmployeeID(employeeID); err != nil {
		return nil, fmt.Errorf("hibob fetch: %w", err)
	}
	reqBody := map[string]any{}
	if len(b.cfg.Fields) > 0 {
		reqBody["fields"] = b.cfg.Fields
	}
	if b.cfg.HumanReadable != "" {
		reqBody["humanReadable"] = b.cfg.HumanReadable
	}
	raw, err := json.Marshal(reqBody)
	if err != nil {
		return nil, fmt.Errorf("hibob fetch employee: encoding the request: %w", err)
	}
	body, err := b.do(ctx, http.MethodPost, "/v1/people/"+url.PathEscape(employeeID), raw, "hibob fetch employee")
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := decodeJSON(body, &v); err != nil || v == nil {
		return nil, fmt.Errorf("hibob fetch employee: answer is not a JSON object: %w", ErrBadResponse)
	}
	if list, ok := v["employees"].([]any); ok && len(list) == 1 {
		if one, ok := list[0].(map[string]any); ok {
			v = one
		}
	}
	rec := Record{}
	FlattenJSON(v, "", rec)
	for k, x := range v {
		switch x.(type) {
		case map[string]any, []any, nil:
		default:
			rec["root."+k] = rec[k]
		}
	}
	return rec, nil
}

// CheckCredentials reads the fields metadata (GET {base}/v1/company/people/fields).
func (b *HiBob) CheckCredentials(ctx context.Context) error {
	_, err := b.do(ctx, http.MethodGet, "/v1/company/people/fields", nil, "hibob check credentials")
	return err
}

func (b *HiBob) do(ctx context.Context, method, path string, body []byte, what string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.cfg.BaseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: building the request: %w", what, err)
	}
	req.SetBasicAuth(b.cfg.ServiceUserID, b.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return call(ctx, b.cfg.HTTPClient, req, what)
}
