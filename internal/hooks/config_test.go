package hooks

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAVendorNeedsItsMappingAndCredentials(t *testing.T) {
	none := Config{}
	f, _, err := none.Fetchers()
	require.NoError(t, err)
	assert.Empty(t, f, "no vendor configured: nothing to check")

	c := Config{BambooHR: BambooHRConfig{WebhookSecret: "bamboo-key-one-0123,bamboo-key-two-0123"}}
	assert.Equal(t, []string{"bamboohr"}, c.Vendors())
	assert.Len(t, c.Receivers(), 1)
	_, _, err = c.Fetchers()
	require.ErrorContains(t, err, "TAPFLOW_HR_MAPPING")

	dir := t.TempDir()
	c.Mapping = filepath.Join(dir, "mapping.yaml")
	require.NoError(t, os.WriteFile(c.Mapping, []byte("hibob:\n  user: root.email\n  default_time_zone: UTC\n"), 0o600))
	_, _, err = c.Fetchers()
	require.ErrorContains(t, err, "no bamboohr section")

	require.NoError(t, os.WriteFile(c.Mapping, []byte("bamboohr:\n  user: workEmail\n  default_time_zone: UTC\n"), 0o600))
	_, _, err = c.Fetchers()
	require.ErrorContains(t, err, "TAPFLOW_BAMBOOHR_API_KEY")

	c.BambooHR.APIKey, c.BambooHR.CompanyDomain = "key", "acme"
	f, m, err := c.Fetchers()
	require.NoError(t, err)
	require.Contains(t, f, "bamboohr")
	_, ok := m.For("bamboohr")
	assert.True(t, ok)
}

func TestShortWebhookSecretsAreRefused(t *testing.T) {
	require.NoError(t, Config{}.Check(), "no vendor: nothing to check")
	good := "0123456789abcdef"
	require.NoError(t, Config{BambooHR: BambooHRConfig{WebhookSecret: good}, HiBob: HiBobConfig{WebhookSecret: good + "," + good}}.Check())

	for name, c := range map[string]struct {
		cfg      Config
		variable string
	}{
		"bamboohr short":           {Config{BambooHR: BambooHRConfig{WebhookSecret: "shh-too-short"}}, "TAPFLOW_BAMBOOHR_WEBHOOK_SECRET"},
		"hibob short":              {Config{HiBob: HiBobConfig{WebhookSecret: "shh-too-short"}}, "TAPFLOW_HIBOB_WEBHOOK_SECRET"},
		"one short while rotating": {Config{HiBob: HiBobConfig{WebhookSecret: good + ",shh-too-short"}}, "TAPFLOW_HIBOB_WEBHOOK_SECRET"},
		"separators only":          {Config{BambooHR: BambooHRConfig{WebhookSecret: " , "}}, "TAPFLOW_BAMBOOHR_WEBHOOK_SECRET"},
	} {
		err := c.cfg.Check()
		require.ErrorContains(t, err, c.variable, name)
		assert.NotContains(t, err.Error(), "shh-too-short", "%s: the secret is never printed", name)
		assert.NotContains(t, err.Error(), good, name)
		_, _, ferr := c.cfg.Fetchers()
		require.ErrorContains(t, ferr, c.variable, "%s: Fetchers checks too", name)
	}
	assert.Len(t, Config{BambooHR: BambooHRConfig{WebhookSecret: "shh-too-short"}}.Receivers(), 1, "Receivers does not check")
}

func TestTheReplayWindowsAreBounded(t *testing.T) {
	c := Config{BambooHR: BambooHRConfig{WebhookSecret: "a-long-enough-secret", ReplayWindow: 2 * time.Hour}}
	require.ErrorContains(t, c.Check(), "TAPFLOW_BAMBOOHR_REPLAY_WINDOW")
	c = Config{HiBob: HiBobConfig{WebhookSecret: "a-long-enough-secret", MaxEventAge: -time.Second}}
	require.ErrorContains(t, c.Check(), "TAPFLOW_HIBOB_MAX_EVENT_AGE")
	c.HiBob.MaxEventAge = 0
	require.NoError(t, c.Check(), "zero: the default")
}
