package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// Kind says what a caller should do about a failed Graph call.
type Kind string

// The error kinds. Throttled and Transient are worth retrying; the others are not, as they are.
const (
	KindNotFound       Kind = "not_found"       // 404: the user, manager or method does not exist
	KindForbidden      Kind = "forbidden"       // 403: the app lacks a permission or role
	KindUnauthorized   Kind = "unauthorized"    // 401: no or bad token
	KindThrottled      Kind = "throttled"       // 429: wait RetryAfter, then retry
	KindTransient      Kind = "transient"       // 5xx, timeouts, connection failures: retry with backoff
	KindInvalidRequest Kind = "invalid_request" // 400 and other 4xx: Graph refused the request; see Message
)

// Error is a failed Graph call. Message is Graph's own text (never a request body), for people.
type Error struct {
	Op         string        // the Client method, e.g. "CreateTAP"
	Kind       Kind          // what to do about it
	Status     int           // HTTP status, 0 when no response came
	Code       string        // Graph's error code, e.g. Request_ResourceNotFound
	Message    string        // Graph's error message
	RetryAfter time.Duration // the Retry-After delay, when Graph sent one
	Err        error         // the underlying error, for a failure without a response
}

// Error describes the failure in one line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %s: %s", e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Unwrap gives the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool { return e.Kind == KindThrottled || e.Kind == KindTransient }

// KindOf returns the kind of a Graph error, or "" for an error that is not one.
func KindOf(err error) Kind {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Kind
	}
	return ""
}

// IsNotFound reports whether err is a Graph 404.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// classify turns whatever the SDK returned into an *Error.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op}
	var apiErr abs.ApiErrorable
	if errors.As(err, &apiErr) && apiErr.GetStatusCode() != 0 {
		e.Status = apiErr.GetStatusCode()
		if h := apiErr.GetResponseHeaders(); h != nil {
			e.RetryAfter = ParseRetryAfter(first(h.Get("Retry-After")), time.Now())
		}
		var odata *odataerrors.ODataError
		if errors.As(err, &odata) {
			if main := odata.GetErrorEscaped(); main != nil {
				e.Code = deref(main.GetCode())
				e.Message = deref(main.GetMessage())
			}
		}
		e.Kind = kindForStatus(e.Status)
		return e
	}
	e.Err = err
	var authErr *azidentity.AuthenticationFailedError
	switch {
	case errors.As(err, &authErr):
		// Entra refused or failed to give a token: a bad secret is unauthorized, an outage is transient.
		e.Kind = KindTransient
		if authErr.RawResponse != nil {
			e.Status = authErr.RawResponse.StatusCode
			if e.Kind = kindForStatus(e.Status); e.Kind == KindInvalidRequest || e.Kind == KindNotFound {
				e.Kind = KindUnauthorized
			}
		}
		return e
	}
	switch {
	case errors.Is(err, context.Canceled):
		// The caller gave up (a worker shutting down, an activity cancelled): not a Graph fault, but retryable.
		e.Kind = KindTransient
	case errors.Is(err, context.DeadlineExceeded), isNetError(err):
		e.Kind = KindTransient
	default:
		// Anything else without a status (a transport failure the SDK wrapped, a garbled response) may pass:
		// retry it, within the activity's schedule-to-close budget.
		e.Kind = KindTransient
	}
	return e
}

func kindForStatus(status int) Kind {
	switch {
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusTooManyRequests:
		return KindThrottled
	case status == http.StatusRequestTimeout, status == http.StatusConflict, status >= 500:
		// 409 Directory_ConcurrencyViolation is documented as "repeat after a short delay".
		return KindTransient
	default:
		return KindInvalidRequest
	}
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// maxRetryAfter bounds a Retry-After: a larger value is a broken header, not a plan.
const maxRetryAfter = time.Hour

// ParseRetryAfter reads a Retry-After header: decimal seconds ("2.128", as Graph sends) or an HTTP date.
// It returns 0 for an empty, negative or unreadable value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0
		}
		if secs >= maxRetryAfter.Seconds() {
			return maxRetryAfter
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
