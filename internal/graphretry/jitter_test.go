package graphretry

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
)

func TestBackoff(t *testing.T) {
	require.Equal(t, 800*time.Millisecond, Backoff(1, 0))
	require.Equal(t, 1200*time.Millisecond, Backoff(1, 1))
	require.Equal(t, 8*time.Second, Backoff(4, 0.5))
	require.Equal(t, 5*time.Minute, Backoff(30, 0.5), "capped")
}

func TestJitterOnlyForTransientFailuresWithoutADelay(t *testing.T) {
	j := &Jitter{Rand: func() float64 { return 0.25 }}
	var app *temporal.ApplicationError

	err := j.jitter(temporal.NewApplicationError("503", activities.ErrGraphTransient), 3)
	require.True(t, errors.As(err, &app))
	require.Equal(t, 3600*time.Millisecond, app.NextRetryDelay(), "4 s × 0.9")
	require.Equal(t, activities.ErrGraphTransient, app.Type())

	throttled := temporal.NewApplicationErrorWithOptions("429", activities.ErrGraphThrottled, temporal.ApplicationErrorOptions{NextRetryDelay: 2500 * time.Millisecond})
	require.Same(t, throttled, j.jitter(throttled, 3), "Graph's Retry-After stands")
	permanent := temporal.NewNonRetryableApplicationError("403", activities.ErrGraphForbidden, nil)
	require.Same(t, permanent, j.jitter(permanent, 3))
	require.NoError(t, j.jitter(nil, 1))
}
