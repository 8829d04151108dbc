package watch

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// WorkflowID is the tenant watch's workflow id: one per namespace.
const WorkflowID = "tapflow-tenant-watch"

// QueryStatus is the tenant watch's status query (Status).
const QueryStatus = "status"

// Status is what the tenant watch says of itself.
type Status struct {
	Healthy     bool          `json:"healthy"`
	Problem     string        `json:"problem,omitempty"` // permission, throttled, unavailable
	Interval    time.Duration `json:"interval"`
	Since       time.Time     `json:"since"` // the cursor: the logs are read up to here
	Started     time.Time     `json:"started"`
	LastRead    time.Time     `json:"last_read,omitzero"`    // the last read, successful or not
	LastSuccess time.Time     `json:"last_success,omitzero"` // the last read of both logs that succeeded
	Hints       int           `json:"hints"`                 // registrations told to journeys, this run
	SignIns     int           `json:"sign_ins"`              // sign-ins with a pass seen, this run
	Alerts      int           `json:"alerts"`                // alerts raised, this run
	Reconciled  time.Time     `json:"reconciled,omitzero"`   // the last reconciliation
	Orphans     int           `json:"orphans"`               // orphaned passes revoked, this run
}

// Fresh says the watch read both logs recently enough to be trusted at now: within three intervals (a read
// that was throttled once or twice still counts).
func (s Status) Fresh(now time.Time) bool {
	return s.Healthy && !s.LastSuccess.IsZero() && now.Sub(s.LastSuccess) <= 3*max(s.Interval, time.Minute)
}

// Health asks the watch's workflow how it is, at most once per CacheFor in a process.
type Health struct {
	Client   client.Client
	CacheFor time.Duration // default 30 s

	mu     sync.Mutex
	asked  time.Time
	status Status
	ok     bool
}

// Healthy says the watch is running and read the logs recently; a watch that cannot be asked is not healthy.
func (h *Health) Healthy(ctx context.Context) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ttl := h.CacheFor
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	if time.Since(h.asked) > ttl {
		h.status, h.ok = Ask(ctx, h.Client)
		h.asked = time.Now()
	}
	return h.ok && h.status.Fresh(time.Now())
}

// Ask queries the watch; ok is false when it is not running or does not answer.
func Ask(ctx context.Context, c client.Client) (Status, bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(ctx, WorkflowID, "", QueryStatus)
	if err != nil {
		return Status{}, false
	}
	var s Status
	if err := v.Get(&s); err != nil {
		return Status{}, false
	}
	return s, true
}
