package hrvendor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxResponseBytes bounds what Fetch and CheckCredentials read from a vendor: a larger answer is refused.
const MaxResponseBytes = 1 << 20

// DefaultHTTPTimeout is the timeout of the default HTTP client.
const DefaultHTTPTimeout = 15 * time.Second

// DefaultReplayWindow is how far a signed timestamp may be from the receiver's clock where the vendor documents
// no window of its own.
const DefaultReplayWindow = 5 * time.Minute

// NewHTTPClient returns the client adapters use when their config has none: a timeout, and redirects not
// followed (a redirect answers ErrBadResponse, so credentials never travel to another host).
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout: DefaultHTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// call sends req and classifies the answer: 2xx returns the body (at most MaxResponseBytes); 404 ErrNotFound;
// 401 and 403 ErrCredentials; 408, 429 and 5xx a RetryableError carrying Retry-After; a network failure a
// RetryableError; anything else ErrBadResponse. what names the call in errors.
func call(ctx context.Context, c *http.Client, req *http.Request, what string) ([]byte, error) {
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return nil, fmt.Errorf("%s: %w", what, &RetryableError{Err: errors.New("network failure")})
	}
	defer func() { _ = resp.Body.Close() }()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%s: reading the answer: %w", what, &RetryableError{Status: s, Err: errors.New("body cut short")})
		}
		if len(body) > MaxResponseBytes {
			return nil, fmt.Errorf("%s: answer over %d bytes: %w", what, MaxResponseBytes, ErrBadResponse)
		}
		return body, nil
	case s == http.StatusNotFound:
		drain(resp.Body)
		return nil, fmt.Errorf("%s: HTTP 404: %w", what, ErrNotFound)
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		drain(resp.Body)
		return nil, fmt.Errorf("%s: HTTP %d: %w", what, s, ErrCredentials)
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		drain(resp.Body)
		return nil, fmt.Errorf("%s: %w", what, &RetryableError{Status: s, RetryAfter: parseRetryAfter(resp.Header, time.Now())})
	default:
		drain(resp.Body)
		return nil, fmt.Errorf("%s: HTTP %d: %w", what, s, ErrBadResponse)
	}
}

// drain reads a little of an error answer so the connection can be reused; its content is discarded unread.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }

// parseRetryAfter reads Retry-After as delay seconds or an HTTP date; 0 when absent or unreadable. A value is
// capped at one hour, so a vendor cannot park a retry for days.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return min(d, time.Hour)
}

// checkEmployeeID refuses an employee id that could change the request path.
func checkEmployeeID(id string) error {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "/?#%\\ \t\r\n") {
		return fmt.Errorf("employee id: must be 1-128 characters without / ? # %% or spaces: %w", ErrNotFound)
	}
	return nil
}
