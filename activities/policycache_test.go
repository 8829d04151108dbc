package activities

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPolicyCacheReadsOncePerTTLAndNeverKeepsAFailure(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	c := &PolicyCache{TTL: time.Minute, Now: func() time.Time { return now }}
	var reads atomic.Int32
	fail := false
	read := func(context.Context) (TAPPolicy, error) {
		reads.Add(1)
		if fail {
			return TAPPolicy{}, errors.New("graph down")
		}
		return TAPPolicy{Enabled: true, DefaultLength: int(reads.Load())}, nil
	}
	var wg sync.WaitGroup
	for range 50 { // a burst of pre-flights on a cold cache: one read, the rest wait for it
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Get(context.Background(), read)
			require.NoError(t, err)
			require.True(t, p.Enabled)
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, reads.Load())

	now = now.Add(59 * time.Second)
	p, _ := c.Get(context.Background(), read)
	require.Equal(t, 1, p.DefaultLength, "still fresh")
	now = now.Add(2 * time.Second)
	fail = true
	_, err := c.Get(context.Background(), read)
	require.Error(t, err, "stale: read again, and its failure is returned, not the old policy")
	fail = false
	p, err = c.Get(context.Background(), read)
	require.NoError(t, err)
	require.Equal(t, 3, p.DefaultLength, "the failure was not kept")
	require.EqualValues(t, 3, reads.Load())
}
