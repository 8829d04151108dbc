// Package graphretry spreads the retries of Graph activities that failed together, so they do not retry together.
package graphretry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/activities"
)

// Jitter spreads the retries of transient Graph failures (5xx, timeouts) that came without a Retry-After:
// exponential backoff from one second to five minutes, each delay drawn within ±20 %, so many workflows that
// failed together do not retry together. Throttling keeps Graph's own Retry-After.
type Jitter struct {
	interceptor.WorkerInterceptorBase
	// Rand returns a number in [0,1); nil uses math/rand/v2.
	Rand func() float64
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (j *Jitter) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &jitterInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, j: j}
}

type jitterInbound struct {
	interceptor.ActivityInboundInterceptorBase
	j *Jitter
}

func (a *jitterInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	return res, a.j.jitter(err, activity.GetInfo(ctx).Attempt)
}

// jitter gives a transient failure without a delay of its own a jittered exponential one.
func (j *Jitter) jitter(err error, attempt int32) error {
	var app *temporal.ApplicationError
	if err == nil || !errors.As(err, &app) || app.Type() != activities.ErrGraphTransient || app.NextRetryDelay() > 0 {
		return err
	}
	r := rand.Float64
	if j.Rand != nil {
		r = j.Rand
	}
	return temporal.NewApplicationErrorWithOptions(app.Message(), app.Type(),
		temporal.ApplicationErrorOptions{NextRetryDelay: Backoff(attempt, r())})
}

// Backoff is the delay before retry attempt+1: 1 s doubling per attempt up to 5 min, times 0.8-1.2.
func Backoff(attempt int32, r float64) time.Duration {
	base := time.Second
	for i := int32(1); i < attempt && base < 5*time.Minute; i++ {
		base *= 2
	}
	base = min(base, 5*time.Minute)
	return time.Duration(float64(base) * (0.8 + 0.4*r))
}
