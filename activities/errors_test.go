package activities

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/graph"
)

func TestGraphFailureMapsKindsToRetryBehaviour(t *testing.T) {
	cases := map[graph.Kind]struct {
		typ          string
		nonRetryable bool
	}{
		graph.KindThrottled:      {ErrGraphThrottled, false},
		graph.KindTransient:      {ErrGraphTransient, false},
		graph.KindNotFound:       {ErrGraphNotFound, true},
		graph.KindForbidden:      {ErrGraphForbidden, true},
		graph.KindUnauthorized:   {ErrGraphUnauthorized, true},
		graph.KindInvalidRequest: {ErrGraphInvalidRequest, true},
	}
	for kind, want := range cases {
		err := graphFailure(fmt.Errorf("read TAP policy: %w",
			&graph.Error{Op: "GetTAPPolicy", Kind: kind, Status: 429, RetryAfter: 2500 * time.Millisecond}))
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), kind)
		require.Equal(t, want.typ, appErr.Type())
		require.Equal(t, want.nonRetryable, appErr.NonRetryable(), kind)
		require.Contains(t, appErr.Error(), "read TAP policy")
		if kind == graph.KindThrottled {
			require.Equal(t, 2500*time.Millisecond, appErr.NextRetryDelay())
		}
	}
	plain := errors.New("not a graph error")
	require.Same(t, plain, graphFailure(plain))
	require.NoError(t, graphFailure(nil))
}
