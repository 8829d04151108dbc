package activities

import (
	"context"
	"sync"
	"time"
)

// DefaultPolicyTTL is how long a worker reuses the tenant's TAP policy for pre-flight.
const DefaultPolicyTTL = 2 * time.Minute

// PolicyCache keeps the tenant's TAP policy for a short while, so that an intake of a thousand joiners reads it
// once per worker instead of once per joiner. A change to the policy reaches pre-flight within the TTL; Entra
// still checks every pass it creates against the policy of the moment, so a stale answer can delay a refusal but
// never issue a pass Entra would not. Only successful reads are kept. The zero value is ready to use.
type PolicyCache struct {
	TTL time.Duration    // 0: DefaultPolicyTTL
	Now func() time.Time // nil: time.Now

	mu     sync.Mutex // held while reading: concurrent misses wait for one read instead of each making one
	policy TAPPolicy
	at     time.Time
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && now().Sub(c.at) < ttl {
		return c.policy, nil
	}
	p, err := read(ctx)
	if err != nil {
		return TAPPolicy{}, err
	}
	c.policy, c.at = p, now()
	return p, nil
}
