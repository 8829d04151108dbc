package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/feedsource"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// A feed is fetched only from a listed origin, with the token; a redirect is not followed (the token and the
// request go nowhere else), and an unlisted origin is never asked.
func TestAFeedGoesOnlyToItsListedOrigin(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	var auth atomic.Value
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		if r.URL.Path == "/moved.csv" {
			http.Redirect(w, r, other.URL+"/feed.csv", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("employee_id,user,start_date,time_zone\nE1001,ada.lovelace@contoso.example,2030-01-07,Europe/London\n"))
	}))
	defer feed.Close()
	sources, err := feedsource.Parse(feed.URL)
	require.NoError(t, err)
	var submitted []hrevent.Event
	f := &Feed{Token: "feed-token", Sources: sources, Submit: func(_ context.Context, e hrevent.Event) (hrevent.Result, error) {
		submitted = append(submitted, e)
		return hrevent.Result{Status: hrevent.StatusAccepted}, nil
	}}
	ctx := context.Background()

	_, err = f.ImportFeed(ctx, FeedRequest{Source: feed.URL + "/moved.csv"})
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.Equal(t, ErrFeedUnreadable, app.Type())
	require.True(t, app.NonRetryable())
	require.Contains(t, app.Message(), "redirects are not followed")
	require.Zero(t, elsewhere.Load(), "the redirect was not followed")

	_, err = f.ImportFeed(ctx, FeedRequest{Source: other.URL + "/feed.csv"})
	require.ErrorContains(t, err, "TAPFLOW_FEED_SOURCES")
	require.Zero(t, elsewhere.Load(), "an unlisted origin is never asked")

	s, err := f.ImportFeed(ctx, FeedRequest{Source: feed.URL + "/starters.csv"})
	require.NoError(t, err)
	require.Equal(t, 1, s.Accepted)
	require.Equal(t, "Bearer feed-token", auth.Load())
	require.Len(t, submitted, 1)
}
