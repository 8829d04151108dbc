package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"go.temporal.io/sdk/temporal"
)

func TestThrottlingStormThenSuccess(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	calls := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			calls++
			if calls <= 5 {
				return activities.IssueResult{}, temporal.NewApplicationErrorWithOptions("throttled", activities.ErrGraphThrottled,
					temporal.ApplicationErrorOptions{NextRetryDelay: 2500 * time.Millisecond})
			}
			now := je.env.Now()
			return activities.IssueResult{MethodID: "tap-1", Start: now, Expires: now.Add(8 * time.Hour)}, nil
		})
	je.revoked()
	je.registersAfter(firstMorning.Add(time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome, st.Journey.Reason)
	require.Equal(t, 6, calls)
	require.Equal(t, firstMorning.Add(5*2500*time.Millisecond), st.Journey.Issued, "each retry waited Graph's Retry-After")
}

func TestPermanentGraphFailureIsAnOutcomeWithGraphsMessage(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(activities.IssueResult{},
		temporal.NewNonRetryableApplicationError("Insufficient privileges to complete the operation.", activities.ErrGraphForbidden, nil))
	revokes := je.revoked() // a failed issue may have left a pass behind: the journey makes sure none stays
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	st := je.run(10 * 24 * time.Hour)
	require.Equal(t, OutcomeGraphForbidden, st.Journey.Outcome)
	require.Equal(t, "Graph refused tapflow's app (a permission or role is missing): Insufficient privileges to complete the operation.", st.Journey.Reason)
	require.Len(t, *revokes, 1)
	require.Empty(t, (*revokes)[0].MethodID, "revoke whatever the user holds")
}
