package devserver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPostgresStoresFromADSN(t *testing.T) {
	main, vis, err := postgresStores("postgres://tap:s3cret@db.internal/temporal?sslmode=verify-full")
	require.NoError(t, err)
	require.Equal(t, "postgres12", main.PluginName)
	require.Equal(t, "db.internal:5432", main.ConnectAddr, "the default port is filled in")
	require.Equal(t, "tap", main.User)
	require.Equal(t, "s3cret", main.Password)
	require.Equal(t, "temporal", main.DatabaseName)
	require.Equal(t, "temporal_visibility", vis.DatabaseName)
	require.True(t, main.TLS.Enabled && main.TLS.EnableHostVerification)

	_, _, err = postgresStores("postgres://tap:s3cret@db.internal:5433")
	require.ErrorContains(t, err, "names no database")
	require.NotContains(t, err.Error(), "s3cret", "a password never reaches an error")
	_, _, err = postgresStores("mysql://db/x")
	require.ErrorContains(t, err, "want postgres://")
}
