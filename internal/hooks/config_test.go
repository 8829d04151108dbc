package hooks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAVendorNeedsItsMappingAndCredentials(t *testing.T) {
	none := Config{}
	f, _, err := none.Fetchers()
	require.NoError(t, err)
	assert.Empty(t, f, "no vendor configured: nothing to check")

	c := Config{BambooHR: BambooHRConfig{WebhookSecret: "k1,k2"}}
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
