package graph

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

// A pre-flight waiting for another's slow policy read gives up at its own deadline, not the read's.
func TestPolicyCacheWaitersKeepTheirOwnDeadline(t *testing.T) {
	c := &PolicyCache{}
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = c.Get(context.Background(), func(context.Context) (TAPPolicy, error) {
			close(started)
			<-release
			return TAPPolicy{Enabled: true}, nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, func(context.Context) (TAPPolicy, error) {
		t.Error("a second read while one is in flight")
		return TAPPolicy{}, nil
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	require.Eventually(t, func() bool {
		p, err := c.Get(context.Background(), func(context.Context) (TAPPolicy, error) { return TAPPolicy{}, errors.New("not fresh") })
		return err == nil && p.Enabled
	}, time.Second, 5*time.Millisecond, "the slow read's policy is kept")
}
