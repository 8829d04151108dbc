package hrvendor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BambooHR header names (docs/hr-sources.md).
const (
	BambooHRSignatureHeader = "X-BambooHR-Signature"
	BambooHRTimestampHeader = "X-BambooHR-Timestamp"
)

// DefaultBambooHRBaseURL is BambooHR's API base; the company domain and /v1 follow it.
const DefaultBambooHRBaseURL = "https://api.bamboohr.com/api/gateway.php"

// DefaultBambooHRFields returns the fields Fetch asks for when BambooHRConfig.Fields is empty.
func DefaultBambooHRFields() []string {
	return []string{"id", "employeeNumber", "hireDate", "terminationDate", "status", "employmentHistoryStatus",
		"department", "jobTitle", "workEmail", "homeEmail", "mobilePhone"}
}

// BambooHRConfig configures the BambooHR adapter.
type BambooHRConfig struct {
	// Secrets are the webhook private keys; a delivery signed with any of them verifies (rotation).
	Secrets []string
	// BaseURL is the API base; empty = DefaultBambooHRBaseURL (an emulator's URL + "/api/gateway.php" in tests).
	BaseURL string
	// CompanyDomain is the account's subdomain (mycompany of mycompany.bamboohr.com).
	CompanyDomain string
	// APIKey is sent as the Basic auth user name.
	APIKey string
	// Fields are the fields Fetch reads (the mapping's VendorMapping.Fields); empty = DefaultBambooHRFields().
	Fields []string
	// HTTPClient makes the API calls; nil = NewHTTPClient().
	HTTPClient *http.Client
	// ReplayWindow is how far X-BambooHR-Timestamp may be from now; 0 = DefaultReplayWindow (BambooHR documents
	// none).
	ReplayWindow time.Duration
}

// BambooHR is the BambooHR adapter.
type BambooHR struct{ cfg BambooHRConfig }

var _ Adapter = (*BambooHR)(nil)

// NewBambooHR returns a BambooHR adapter, filling defaults into a copy of cfg.
func NewBambooHR(cfg BambooHRConfig) *BambooHR {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBambooHRBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Fields = append([]string(nil), cfg.Fields...)
	if len(cfg.Fields) == 0 {
		cfg.Fields = DefaultBambooHRFields()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient()
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	cfg.Secrets = append([]string(nil), cfg.Secrets...)
	return &BambooHR{cfg: cfg}
}

// Name returns VendorBambooHR.
func (b *BambooHR) Name() string { return VendorBambooHR }

// SignBambooHR returns the X-BambooHR-Signature value for body and timestamp: lowercase hex of HMAC-SHA256 keyed
// with secret over the body followed by the timestamp header value.
func SignBambooHR(secret string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks X-BambooHR-Signature against every configured secret in constant time, then that
// X-BambooHR-Timestamp is within the replay window of now.
func (b *BambooHR) Verify(h http.Header, body []byte, now time.Time) error {
	sigHex := strings.TrimSpace(h.Get(BambooHRSignatureHeader))
	ts := strings.TrimSpace(h.Get(BambooHRTimestampHeader))
	if sigHex == "" || ts == "" {
		return fmt.Errorf("bamboohr: %s or %s header missing: %w", BambooHRSignatureHeader, BambooHRTimestampHeader, ErrBadSignature)
	}
	got, err := hex.DecodeString(strings.ToLower(sigHex))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("bamboohr: %s is not a hex SHA-256 digest: %w", BambooHRSignatureHeader, ErrBadSignature)
	}
	ok := false
	for _, s := range b.cfg.Secrets {
		if s == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		m.Write([]byte(ts))
		ok = hmac.Equal(m.Sum(nil), got) || ok
	}
	if !ok {
		return fmt.Errorf("bamboohr: signature made with none of the %d configured secrets: %w", len(b.cfg.Secrets), ErrBadSignature)
	}
	at, err := parseVendorTime(ts)
	if err != nil {
		return fmt.Errorf("bamboohr: %s unreadable: %w", BambooHRTimestampHeader, ErrStale)
	}
	if d := now.Sub(at).Abs(); d > b.cfg.ReplayWindow {
		return fmt.Errorf("bamboohr: %s is %s from now, over the %s window: %w", BambooHRTimestampHeader,
			d.Round(time.Second), b.cfg.ReplayWindow, ErrStale)
	}
	return nil
}

// parseVendorTime reads a timestamp as unix seconds or milliseconds, or ISO 8601 with or without zone (without
// one, UTC).
func parseVendorTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e12 {
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700",
		"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("unrecognised time format")
}

// Fetch reads GET {base}/{companyDomain}/v1/employees/{id}/?fields=...&onlyCurrent=true.
func (b *BambooHR) Fetch(ctx context.Context, employeeID string) (Record, error) {
	if err := checkEmployeeID(employeeID); err != nil {
		return nil, fmt.Errorf("bamboohr fetch: %w", err)
	}
	q := url.Values{"fields": {strings.Join(b.cfg.Fields, ",")}, "onlyCurrent": {"true"}}
	u := b.apiURL("employees/"+url.PathEscape(employeeID)+"/") + "?" + q.Encode()
	body, err := b.get(ctx, u, "bamboohr fetch employee")
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := decodeJSON(body, &v); err != nil || v == nil {
		return nil, fmt.Errorf("bamboohr fetch employee: answer is not a JSON object: %w", ErrBadResponse)
	}
	rec := Record{}
	FlattenJSON(v, "", rec)
	return rec, nil
}

// CheckCredentials reads the field list (GET {base}/{companyDomain}/v1/meta/fields/).
func (b *BambooHR) CheckCredentials(ctx context.Context) error {
	_, err := b.get(ctx, b.apiURL("meta/fields/"), "bamboohr check credentials")
	return err
}

func (b *BambooHR) apiURL(path string) string {
	return b.cfg.BaseURL + "/" + url.PathEscape(b.cfg.CompanyDomain) + "/v1/" + path
}

func (b *BambooHR) get(ctx context.Context, u, what string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: building the request: %w", what, err)
	}
	req.SetBasicAuth(b.cfg.APIKey, "x")
	req.Header.Set("Accept", "application/json")
	return call(ctx, b.cfg.HTTPClient, req, what)
}
