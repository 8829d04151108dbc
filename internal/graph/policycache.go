package graph

import (
	"context"
	"sync"
	"time"
)

// DefaultPolicyTTL is how long a worker reuses the tenant's TAP policy for pre-flight (and any Cache without a TTL).
const DefaultPolicyTTL = 2 * time.Minute

// PolicyCache keeps the tenant's TAP policy.
type PolicyCache = Cache[TAPPolicy]

// DomainCache keeps the tenant's verified domains (ListVerifiedDomains), so they are read once per TTL, not per
// joiner.
type DomainCache = Cache[[]string]

// Cache keeps one tenant-wide answer for a short while, so that an intake of a thousand joiners reads it once per
// worker instead of once per joiner. For the TAP policy (activities.Journey uses it for pre-flight and the pass
// lifetime) a change reaches pre-flight within the TTL; Entra still checks every pass it creates against the
// policy of the moment, so a stale answer can delay a refusal but never issue a pass Entra would not. Only
// successful reads are kept. The zero value is ready to use.
type Cache[T any] struct {
	TTL time.Duration    // 0: DefaultPolicyTTL
	Now func() time.Time // nil: time.Now

	mu       sync.Mutex
	value    T
	at       time.Time
	inflight chan struct{} // closed when the read in flight ends: concurrent misses wait for it, not read again
}

// Get returns the kept answer while it is fresh, else reads it with read and keeps it.
func (c *Cache[T]) Get(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
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
			p := c.value
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
				c.value, c.at = p, now()
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
			var zero T
			return zero, ctx.Err()
		}
	}
}
