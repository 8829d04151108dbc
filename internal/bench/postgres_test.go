package bench

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/pgtest"
)

// The benchmark on PostgreSQL: the same figures, measured on a fresh database it drops afterwards.
func TestASmallRunOnPostgreSQL(t *testing.T) {
	base := os.Getenv(pgtest.EnvVar)
	if base == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	res, err := Run(context.Background(), Options{Joiners: 6, PollInterval: time.Second, PollRounds: 1, Postgres: base,
		Shards: 4, Timeout: 3 * time.Minute}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Equal(t, "postgresql", res.Store)
	require.Equal(t, 4, res.HistoryShards)
	require.Positive(t, res.BaselineWPS)
	require.Positive(t, res.JoinerWPS)
	require.InDelta(t, 1.0, res.GraphRequestsByKind[kindMail], 0.001, "one mail per joiner")
}
