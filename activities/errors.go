// Package activities holds every side effect tapflow has: each activity is a method on a struct that holds the
// interfaces it needs (the Graph client), so tests swap in the emulator and workflows stay deterministic.
package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/graph"
)

// Error types that activities return, for workflows' RetryPolicy.NonRetryableErrorTypes and for branching.
const (
	ErrGraphThrottled      = "GraphThrottled"
	ErrGraphTransient      = "GraphTransient"
	ErrGraphNotFound       = "GraphNotFound"
	ErrGraphForbidden      = "GraphForbidden"
	ErrGraphUnauthorized   = "GraphUnauthorized"
	ErrGraphInvalidRequest = "GraphInvalidRequest"
)

// NonRetryableGraphErrors are the Graph failures a retry does not mend (a fresh slice for each retry policy).
func NonRetryableGraphErrors() []string {
	return []string{ErrGraphNotFound, ErrGraphForbidden, ErrGraphUnauthorized, ErrGraphInvalidRequest}
}

// graphFailure turns a Graph error into a Temporal application error: throttling carries Graph's Retry-After
// as the next retry delay; 5xx and timeouts are retried with the policy's backoff; the rest fail at once.
// Only Graph's code and message go into the error, never a request or response body.
func graphFailure(err error) error {
	if err == nil {
		return nil
	}
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return err
	}
	switch ge.Kind {
	case graph.KindThrottled:
		return temporal.NewApplicationErrorWithOptions(err.Error(), ErrGraphThrottled,
			temporal.ApplicationErrorOptions{NextRetryDelay: ge.RetryAfter})
	case graph.KindTransient:
		return temporal.NewApplicationErrorWithOptions(err.Error(), ErrGraphTransient,
			temporal.ApplicationErrorOptions{NextRetryDelay: ge.RetryAfter})
	case graph.KindNotFound:
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrGraphNotFound, nil)
	case graph.KindForbidden:
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrGraphForbidden, nil)
	case graph.KindUnauthorized:
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrGraphUnauthorized, nil)
	default:
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrGraphInvalidRequest, nil)
	}
}
