package webhook

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/workflows"
)

type countingRecorder struct {
	mu     sync.Mutex
	counts map[int]int
}

func (c *countingRecorder) WebhookRequest(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[status]++
}

func TestEveryDeliveryIsCountedByStatus(t *testing.T) {
	f := &fakeIntake{status: workflows.EventAccepted}
	h, err := NewHandler([]string{newSecret}, f.submit, nil)
	require.NoError(t, err)
	rec := &countingRecorder{counts: map[int]int{}}
	routes := h.WithMetrics(rec).Routes()

	r, _ := do(t, routes, call{body: hireBody})
	require.Equal(t, http.StatusAccepted, r.Code)
	r, _ = do(t, routes, call{body: hireBody, signature: "v1,AAAA"})
	require.Equal(t, http.StatusUnauthorized, r.Code)
	r, _ = do(t, routes, call{body: hireBody, contentType: "text/plain"})
	require.Equal(t, http.StatusUnsupportedMediaType, r.Code)
	require.Equal(t, map[int]int{http.StatusAccepted: 1, http.StatusUnauthorized: 1, http.StatusUnsupportedMediaType: 1}, rec.counts)
}
