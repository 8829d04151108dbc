package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/tapflow/tapflow/internal/webhook/whtest"
)

// TestWebhookBurst: a burst of signed events with duplicates mixed in, plus forged, replayed-stale and
// oversized requests. Every 2xx is applied exactly once; the refused ones start nothing.
func TestWebhookBurst(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ"
	cfg := devConfig(t.TempDir())
	cfg.UIAddress, cfg.InMemory, cfg.WebhookSecret = "", true, secret
	s, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop()

	type delivery struct {
		employee, id string
		req          func() *http.Request
		refuseWith   int // the status a refused request must get
	}
	event := func(employee, id string) string {
		return fmt.Sprintf(`{"id":%q,"type":"termination_cancelled","occurred_at":"2026-11-26T09:00:00Z","employee":{"employee_id":%q}}`, id, employee)
	}
	var deliveries []delivery
	for e := 0; e < 80; e++ {
		for n := 0; n < 25; n++ {
			emp, id := fmt.Sprintf("B%03d", e), fmt.Sprintf("burst-%03d-%02d", e, n%20) // n >= 20: duplicates
			body := event(emp, id)
			deliveries = append(deliveries, delivery{employee: emp, id: id, req: func() *http.Request {
				r, _ := whtest.Request(s.WebhookURL(), secret, body)
				return r
			}})
		}
	}
	for i := 0; i < 30; i++ {
		emp := fmt.Sprintf("FORGED%02d", i)
		body := event(emp, "forged-"+emp)
		deliveries = append(deliveries,
			delivery{employee: emp, refuseWith: http.StatusUnauthorized, req: func() *http.Request { // signed with another key
				r, _ := whtest.Request(s.WebhookURL(), "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oDC2FV", body)
				return r
			}},
			delivery{employee: emp, refuseWith: http.StatusUnauthorized, req: func() *http.Request { // a captured request replayed late
				r, _ := whtest.Request(s.WebhookURL(), secret, body)
				ts := time.Now().Add(-10 * time.Minute).Unix()
				r.Header.Set("webhook-timestamp", fmt.Sprint(ts))
				r.Header.Set("webhook-signature", whtest.Sign(secret, r.Header.Get("webhook-id"), ts, body))
				return r
			}},
			delivery{employee: emp, refuseWith: http.StatusRequestEntityTooLarge, req: func() *http.Request { // oversized
				big := strings.Replace(body, `"id"`, `"reason":"`+strings.Repeat("x", 1<<20)+`","id"`, 1)
				r, _ := whtest.Request(s.WebhookURL(), secret, big)
				return r
			}})
	}

	var (
		mu       sync.Mutex
		accepted = map[string]int{} // event id -> 202s
		refused  atomic.Int64
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(deliveries) {
					return
				}
				d := deliveries[i]
				resp, err := http.DefaultClient.Do(d.req())
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				switch {
				case d.refuseWith != 0 && resp.StatusCode != d.refuseWith:
					t.Errorf("%s: answered %d, want %d", d.employee, resp.StatusCode, d.refuseWith)
				case d.refuseWith != 0:
					refused.Add(1)
				case resp.StatusCode == http.StatusAccepted:
					accepted[d.id]++
				case resp.StatusCode == http.StatusOK: // a duplicate
				default:
					t.Errorf("%s: answered %d", d.id, resp.StatusCode)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d deliveries in %s", len(deliveries), time.Since(start))
	require.EqualValues(t, 90, refused.Load())
	require.Len(t, accepted, 1600, "each distinct event accepted")
	for id, n := range accepted {
		require.Equal(t, 1, n, "%s accepted once; its repeats answer duplicate", id)
	}
	for e := 0; e < 80; e++ {
		st := journeyStatus(t, s, fmt.Sprintf("employee/B%03d", e))
		require.Len(t, st.Events, 20, "B%03d: every 2xx event applied exactly once", e)
	}
	for i := 0; i < 30; i++ {
		_, err := s.Client().DescribeWorkflowExecution(context.Background(), fmt.Sprintf("employee/FORGED%02d", i), "")
		var nf *serviceerror.NotFound
		require.True(t, errors.As(err, &nf), "nothing started for a refused request")
	}
	faultRow(t, "webhook burst (2,090)", len(deliveries), 0, 0, 0)
}
