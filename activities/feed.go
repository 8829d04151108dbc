package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/feedsource"
)

// ErrFeedUnreadable is the type of a feed that cannot be read as a CSV (a missing file, a 404, a bad header).
const ErrFeedUnreadable = "FeedUnreadable"

// maxFeed bounds a feed's size.
const maxFeed = 64 << 20

// Feed imports an onboarding feed for a scheduled batch: it reads the CSV from a file or an HTTPS URL and
// hands each row to the intake. A rerun is harmless: each row's event id says whether it was seen.
type Feed struct {
	Submit  batch.Submitter
	HTTP    *http.Client       // nil: one that follows no redirect
	Token   string             // bearer token for an HTTPS feed (TAPFLOW_FEED_TOKEN), sent only to a listed origin
	Sources feedsource.Sources // where feeds may be read from (TAPFLOW_FEED_SOURCES); empty: nowhere
}

// FeedRequest names the feed: a file path or an https:// URL.
type FeedRequest struct {
	Source string `json:"source"`
}

// ImportFeed reads and imports the feed, heartbeating its progress.
func (f *Feed) ImportFeed(ctx context.Context, req FeedRequest) (batch.Summary, error) {
	data, err := f.read(ctx, req.Source)
	if err != nil {
		return batch.Summary{}, err
	}
	rows, bad, err := batch.Parse(bytes.NewReader(data), time.Now())
	if err != nil {
		return batch.Summary{}, temporal.NewNonRetryableApplicationError("the feed is not the onboarding CSV: "+err.Error(), ErrFeedUnreadable, nil)
	}
	s := batch.Import(ctx, rows, f.Submit, func(done int) {
		if activity.IsActivity(ctx) { // (tests call the activity directly)
			activity.RecordHeartbeat(ctx, done)
		}
	})
	s.Rejected = append(bad, s.Rejected...)
	if len(s.Failed) > 0 {
		// Temporal refused some rows: fail so the retry imports them (the others answer duplicate).
		return s, temporal.NewApplicationError(fmt.Sprintf("%d rows could not be handed to Temporal", len(s.Failed)), "FeedRowsFailed")
	}
	return s, nil
}

// read reads the feed from a listed directory or origin; anything else is refused before it is touched.
func (f *Feed) read(ctx context.Context, source string) ([]byte, error) {
	if err := f.Sources.Allow(source); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrFeedUnreadable, nil)
	}
	u, err := url.Parse(source)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		return f.fetch(ctx, u)
	}
	file, err := f.Sources.Open(source)
	if errors.Is(err, feedsource.ErrNotAllowed) {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrFeedUnreadable, nil)
	}
	if err != nil {
		// The OS error names the path, which the schedule's creator gave: say only what went wrong.
		return nil, temporal.NewNonRetryableApplicationError("read the feed file: "+fileProblem(err), ErrFeedUnreadable, nil)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxFeed+1))
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("read the feed file: "+fileProblem(err), ErrFeedUnreadable, nil)
	}
	if len(data) > maxFeed {
		return nil, temporal.NewNonRetryableApplicationError("the feed is over 64 MiB", ErrFeedUnreadable, nil)
	}
	return data, nil
}

// fileProblem says why a file could not be read, without its path.
func fileProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "unreadable"
}

func (f *Feed) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("the feed URL cannot be requested", ErrFeedUnreadable, nil)
	}
	if f.Token != "" { // the origin is listed (read checked it): the token goes nowhere else
		req.Header.Set("Authorization", "Bearer "+f.Token)
	}
	client := f.HTTP
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the feed from %s: %w", u.Host, unwrapURL(err)) // retryable
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("the feed at %s answered a redirect (%d): "+
			"redirects are not followed; give the schedule the final URL", u.Host, resp.StatusCode), ErrFeedUnreadable, nil)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("the feed at %s answered %d", u.Host, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("the feed at %s answered %d", u.Host, resp.StatusCode), ErrFeedUnreadable, nil)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFeed+1))
	if err != nil {
		return nil, fmt.Errorf("read the feed from %s: %w", u.Host, err)
	}
	if len(data) > maxFeed {
		return nil, temporal.NewNonRetryableApplicationError("the feed is over 64 MiB", ErrFeedUnreadable, nil)
	}
	return data, nil
}

func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
