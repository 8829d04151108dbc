package activities

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestJitteredBackoff(t *testing.T) {
	require.Equal(t, 800*time.Millisecond, JitteredBackoff(1, 0))
	require.Equal(t, 1200*time.Millisecond, JitteredBackoff(1, 1))
	require.Equal(t, 8*time.Second, JitteredBackoff(4, 0.5))
	require.Equal(t, 5*time.Minute, JitteredBackoff(30, 0.5), "capped")
}

func TestJitterOnlyForTransientFailuresWithoutADelay(t *testing.T) {
	j := &RetryJitter{Rand: func() float64 { return 0.25 }}
	var app *temporal.ApplicationError

	err := j.jitter(temporal.NewApplicationError("503", ErrGraphTransient), 3)
	require.True(t, errors.As(err, &app))
	require.Equal(t, 3600*time.Millisecond, app.NextRetryDelay(), "4 s × 0.9")
	require.Equal(t, ErrGraphTransient, app.Type())

	throttled := temporal.NewApplicationErrorWithOptions("429", ErrGraphThrottled, temporal.ApplicationErrorOptions{NextRetryDelay: 2500 * time.Millisecond})
	require.Same(t, throttled, j.jitter(throttled, 3), "Graph's Retry-After stands")
	permanent := temporal.NewNonRetryableApplicationError("403", ErrGraphForbidden, nil)
	require.Same(t, permanent, j.jitter(permanent, 3))
	require.NoError(t, j.jitter(nil, 1))
}
