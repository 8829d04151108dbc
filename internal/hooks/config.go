// Package hooks is the HR vendors' webhooks (docs/hr-sources.md): their configuration, the receiver that
// verifies a delivery with the vendor's own signature scheme and hands each employee it names to Temporal, and
// the starter of the workflow that fetches and normalises it. The adapters themselves are internal/hrvendor.
package hooks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapflow/tapflow/internal/cliconf"
	"github.com/tapflow/tapflow/internal/hrvendor"
)

// Config is the vendor sources' configuration. The receiver needs only the webhook secrets; the workers, which
// fetch records, need the API credentials and the mapping.
type Config struct {
	Mapping  string // the mapping file (TAPFLOW_HR_MAPPING)
	BambooHR BambooHRConfig
	HiBob    HiBobConfig
}

// BambooHRConfig is BambooHR's part of the configuration.
type BambooHRConfig struct {
	WebhookSecret string // the webhook's private key(s), comma-separated while rotating
	APIKey        string
	CompanyDomain string
	APIURL        string // the API base; empty: BambooHR's own
	ReplayWindow  time.Duration
}

// HiBobConfig is HiBob's part of the configuration.
type HiBobConfig struct {
	WebhookSecret string // the webhook's signing secret(s), comma-separated while rotating
	ServiceUserID string
	Token         string
	APIURL        string // the API base; empty: Bob's own
	MaxEventAge   time.Duration
}

// Bind binds the vendor sources' settings: the workers' (every one).
func Bind(s *cliconf.Set, c *Config) {
	BindSecrets(s, c)
	s.String(&c.Mapping, "hr-mapping", "", "the HR vendor mapping file (YAML): which vendor field is the start date, the time zone, the Entra UPN, ...")
	s.String(&c.BambooHR.APIKey, "bamboohr-api-key", "", "BambooHR API key, to fetch an employee a webhook names (prefer the variable)")
	s.String(&c.BambooHR.CompanyDomain, "bamboohr-company-domain", "", "BambooHR company subdomain (mycompany of mycompany.bamboohr.com)")
	s.String(&c.BambooHR.APIURL, "bamboohr-api-url", "", "BambooHR API base URL (default BambooHR's own; the emulator's in tests)")
	s.String(&c.HiBob.ServiceUserID, "hibob-service-user-id", "", "HiBob API service user id")
	s.String(&c.HiBob.Token, "hibob-service-user-token", "", "HiBob API service user token (prefer the variable)")
	s.String(&c.HiBob.APIURL, "hibob-api-url", "", "HiBob API base URL (default Bob's own; the emulator's in tests)")
}

// BindSecrets binds the webhook secrets only: the receiver's settings (starter serve).
func BindSecrets(s *cliconf.Set, c *Config) {
	s.String(&c.BambooHR.WebhookSecret, "bamboohr-webhook-secret", "", "BambooHR webhook private key(s), comma-separated while rotating; "+
		"set: POST /v1/hooks/bamboohr is served")
	s.String(&c.HiBob.WebhookSecret, "hibob-webhook-secret", "", "HiBob webhook signing secret(s), comma-separated while rotating; "+
		"set: POST /v1/hooks/hibob is served")
	s.Duration(&c.BambooHR.ReplayWindow, "bamboohr-replay-window", hrvendor.DefaultReplayWindow,
		"how far X-BambooHR-Timestamp may be from the receiver's clock (BambooHR publishes none)")
	s.Duration(&c.HiBob.MaxEventAge, "hibob-max-event-age", hrvendor.DefaultHiBobMaxEventAge,
		"how old a HiBob delivery's signed triggeredAt may be (Bob sends no timestamp header; its retries span 3 days)")
}

// Vendors are the configured vendors' names (those with a webhook secret).
func (c Config) Vendors() []string {
	var out []string
	if c.BambooHR.WebhookSecret != "" {
		out = append(out, hrvendor.VendorBambooHR)
	}
	if c.HiBob.WebhookSecret != "" {
		out = append(out, hrvendor.VendorHiBob)
	}
	return out
}

// MinSecretLen is the shortest webhook secret accepted, in bytes: a shorter one can be guessed offline from a
// single signed delivery.
const MinSecretLen = 16

// Check refuses a configured vendor whose webhook secret, or any one of its comma-separated rotation secrets, is
// shorter than MinSecretLen bytes. The error names the variable and the fix, never the secret. Call it where the
// receiver starts (Receivers does not); Fetchers calls it.
func (c Config) Check() error {
	var errs []error
	for _, v := range []struct{ name, value, fix string }{
		{"TAPFLOW_BAMBOOHR_WEBHOOK_SECRET", c.BambooHR.WebhookSecret, "copy the webhook's whole private key from BambooHR"},
		{"TAPFLOW_HIBOB_WEBHOOK_SECRET", c.HiBob.WebhookSecret, "copy the webhook's whole signing secret from Bob"},
	} {
		if v.value == "" {
			continue
		}
		secrets := split(v.value)
		if len(secrets) == 0 {
			errs = append(errs, fmt.Errorf("%s: set but holds no secret; %s, or unset it", v.name, v.fix))
		}
		for i, s := range secrets {
			if len(s) < MinSecretLen {
				errs = append(errs, fmt.Errorf("%s: secret %d of %d is shorter than %d bytes; %s (several, comma-separated, "+
					"while rotating)", v.name, i+1, len(secrets), MinSecretLen, v.fix))
			}
		}
	}
	if w := c.BambooHR.ReplayWindow; w < 0 || w > time.Hour {
		errs = append(errs, errors.New("TAPFLOW_BAMBOOHR_REPLAY_WINDOW: between 1s and 1h (default 5m): a wider window lets a captured delivery be replayed longer"))
	}
	if a := c.HiBob.MaxEventAge; a < 0 || (a > 0 && (a < time.Hour || a > 7*24*time.Hour)) {
		errs = append(errs, errors.New("TAPFLOW_HIBOB_MAX_EVENT_AGE: between 1h and 168h (default 96h, longer than Bob's 3 days of retries)"))
	}
	return errors.Join(errs...)
}

// Configured are the vendors the workers read records from: those with a webhook secret (the dev stack, which
// serves the hooks too) or with API credentials (production workers, where starter serve holds the secrets).
func (c Config) Configured() []string {
	var out []string
	if c.BambooHR.WebhookSecret != "" || c.BambooHR.APIKey != "" {
		out = append(out, hrvendor.VendorBambooHR)
	}
	if c.HiBob.WebhookSecret != "" || c.HiBob.ServiceUserID != "" || c.HiBob.Token != "" {
		out = append(out, hrvendor.VendorHiBob)
	}
	return out
}

// Receivers are the adapters the receiver verifies deliveries with: secrets only. It does not check them: call
// Check first.
func (c Config) Receivers() []hrvendor.Adapter {
	var out []hrvendor.Adapter
	if c.BambooHR.WebhookSecret != "" {
		out = append(out, hrvendor.NewBambooHR(hrvendor.BambooHRConfig{Secrets: split(c.BambooHR.WebhookSecret),
			ReplayWindow: c.BambooHR.ReplayWindow}))
	}
	if c.HiBob.WebhookSecret != "" {
		out = append(out, hrvendor.NewHiBob(hrvendor.HiBobConfig{Secrets: split(c.HiBob.WebhookSecret),
			MaxEventAge: c.HiBob.MaxEventAge}))
	}
	return out
}

// Fetchers are the adapters the workers fetch records with, and the mapping, for every configured vendor. A
// vendor without its credentials or its mapping section is an error naming the setting.
func (c Config) Fetchers() (map[string]hrvendor.Adapter, hrvendor.Mapping, error) {
	vendors := c.Configured()
	if len(vendors) == 0 {
		return nil, hrvendor.Mapping{}, nil
	}
	if err := c.Check(); err != nil {
		return nil, hrvendor.Mapping{}, err
	}
	if c.Mapping == "" {
		return nil, hrvendor.Mapping{}, errors.New("TAPFLOW_HR_MAPPING: the vendor webhooks need a mapping file; start from docs/hr-sources.md")
	}
	m, err := hrvendor.LoadMapping(c.Mapping)
	if err != nil {
		return nil, hrvendor.Mapping{}, fmt.Errorf("TAPFLOW_HR_MAPPING: %w", err)
	}
	out := map[string]hrvendor.Adapter{}
	var errs []error
	for _, v := range vendors {
		vm, ok := m.For(v)
		if !ok {
			errs = append(errs, fmt.Errorf("TAPFLOW_HR_MAPPING: the file has no %s section; add one (docs/hr-sources.md)", v))
			continue
		}
		switch v {
		case hrvendor.VendorBambooHR:
			b := c.BambooHR
			if b.APIKey == "" || b.CompanyDomain == "" {
				errs = append(errs, errors.New("TAPFLOW_BAMBOOHR_API_KEY and TAPFLOW_BAMBOOHR_COMPANY_DOMAIN: BambooHR's webhook names "+
					"employees, whose records are read with an API key of a user who may read them"))
			}
			out[v] = hrvendor.NewBambooHR(hrvendor.BambooHRConfig{BaseURL: b.APIURL, CompanyDomain: b.CompanyDomain, APIKey: b.APIKey,
				Fields: vm.Fields()})
		case hrvendor.VendorHiBob:
			h := c.HiBob
			if h.ServiceUserID == "" || h.Token == "" {
				errs = append(errs, errors.New("TAPFLOW_HIBOB_SERVICE_USER_ID and TAPFLOW_HIBOB_SERVICE_USER_TOKEN: Bob's webhooks carry "+
					"ids only; a service user with the People permissions reads the records"))
			}
			out[v] = hrvendor.NewHiBob(hrvendor.HiBobConfig{BaseURL: h.APIURL, ServiceUserID: h.ServiceUserID, Token: h.Token,
				Fields: vm.Fields()})
		}
	}
	return out, m, errors.Join(errs...)
}

func split(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}
