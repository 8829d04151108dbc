package graph

import (
	"context"
	"sync"
	"time"
)

// DefaultPolicyTTL is how long a worker reuses the tenant's TAP policy for pre-flight.
const DefaultPolicyTTL = 2 * time.Minute

// PolicyCache keeps the tenant's TAP policy for a short while, so that an intake of a thousand joiners reads it
// once per worker instead of once per joiner (activities.Journey uses it for pre-flight and the pass lifetime). A change to the policy reaches pre-flight within the TTL; Entra
// still checks every pass it creates against the policy of the moment, so a stale answer can delay a refusal but
// never issue a pass Entra would not. Only successful reads are kept. The zero value is ready to use.
type PolicyCache struct {
	TTL time.Duration    // 0: DefaultPolicyTTL
	Now func() time.Time // nil: time.Now

	mu       sync.Mutex
	policy   TAPPolicy
	at       time.Time
	inflight chan struct{} // closed when the read in flight ends: concurrent misses wait for it, not read again
}

// Get returns the kept policy while it is fresh, else reads it with read and keeps it.
func (c *PolicyCache) Get(ctx context.Context, read func(context.Context) (TAPPolicy, error)) (TAPPolicy, error) {
	now, ttl := time.Now, c.TTL
	if c.Now != nil {
		now = c.Now
	}
	if ttl <= 0 {
		ttl = DefaultPolicyTTL
	}
	for {
		c.mu.Lock()
		if !c.at.IsZero() && now().Sub(c.at) < ttl {
			p := c.policy
			c.mu.Unlock()
			return p, nil
		}
		if c.inflight == nil { // this caller reads; the others wait for it (or for their own deadline)
			done := make(chan struct{})
			c.inflight = done
			c.mu.Unlock()
			p, err := read(ctx)
			c.mu.Lock()
			if err == nil {
				c.policy, c.at = p, now()
			}
			c.inflight = nil
			close(done)
			c.mu.Unlock()
			return p, err
		}
		wait := c.inflight
		c.mu.Unlock()
		select {
		case <-wait: // fresh now, or that read failed and this caller tries its own
		case <-ctx.Done():
			return TAPPolicy{}, ctx.Err()
		}
	}
}
