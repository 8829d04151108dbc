package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/pickup"
)

// invitedJourney hires the default joiner with delivery by pickup link; the invitations' hashes are recorded.
func invitedJourney(t *testing.T) (*journeyEnv, *[]activities.InviteRequest) {
	je := newJourneyEnv(t, func(s *activities.JoinerSettings) { s.Channel = activities.ChannelPickup })
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	var invites []activities.InviteRequest
	je.env.OnActivity(journeyActs.Invite, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.InviteRequest) (activities.InviteResult, error) {
			invites = append(invites, r)
			return activities.InviteResult{Hash: "hash-1", MessageID: "msg-1"}, nil
		})
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	return je, &invites
}

// queryLink reads the invitation for hash at offset d.
func (je *journeyEnv) queryLink(d time.Duration, hash string, out *pickup.Invitation) {
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(pickup.QueryInvitation, hash)
		require.NoError(je.t, err)
		require.NoError(je.t, v.Get(out))
	}, d)
}

// On the first morning the journey invites instead of issuing; a link nobody reveals expires at the end of the
// first working day (18:00 in the hire's zone), and with no reissue left the journey ends expired, having
// issued nothing. A hash that is not the link's is closed.
func TestAnUnrevealedLinkExpiresAtTheEndOfTheFirstDay(t *testing.T) {
	je, invites := invitedJourney(t)
	je.revoked()
	je.env.OnActivity(journeyActs.Notify, mock.Anything, mock.Anything).Return(nil, nil)
	var open, other pickup.Invitation
	je.queryLink(firstMorning.Sub(t0)+time.Hour, "hash-1", &open)
	je.queryLink(firstMorning.Sub(t0)+time.Hour, "another", &other)
	st := je.run(3 * 24 * time.Hour)

	require.Len(t, *invites, 1)
	require.Equal(t, pickup.StateOpen, open.State)
	require.Equal(t, time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC), open.Expires, "18:00 London on the first day")
	require.Equal(t, pickup.StateClosed, other.State)
	require.Equal(t, OutcomeExpired, st.Journey.Outcome)
	require.Zero(t, st.Journey.Attempts, "no pass was ever created")
	require.Equal(t, pickup.StateExpired, st.Journey.Pickup.State)
}

// A rescind while the link is out kills it: the page then finds it closed.
func TestARescindKillsTheLink(t *testing.T) {
	je, _ := invitedJourney(t)
	je.revoked()
	je.send(firstMorning.Sub(t0)+time.Hour, event("r1", hrevent.Rescind, t0, nil), EventAccepted)
	var after pickup.Invitation
	je.queryLink(firstMorning.Sub(t0)+2*time.Hour, "hash-1", &after)
	st := je.run(firstMorning.Sub(t0) + 3*time.Hour)
	require.Equal(t, OutcomeCancelled, st.Journey.Outcome)
	require.Equal(t, pickup.StateClosed, st.Journey.Pickup.State)
	require.Equal(t, pickup.StateClosed, after.State)
}
