package workflows

import (
	"context"
	"strconv"
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
			n := strconv.Itoa(len(invites))
			return activities.InviteResult{Hash: "hash-" + n, MessageID: "msg-" + n}, nil
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

// starter reissue while the link is out kills it and sends a new one: the old link is closed, the new one open.
func TestAReissueSendsANewLinkAndKillsTheOld(t *testing.T) {
	je, invites := invitedJourney(t)
	je.revoked()
	var accepted bool
	je.update(firstMorning.Sub(t0)+time.Hour, UpdateReissue, ActionRequest{By: "helpdesk@contoso.example"}, &accepted)
	var old, fresh pickup.Invitation
	je.queryLink(firstMorning.Sub(t0)+2*time.Hour, "hash-1", &old)
	je.queryLink(firstMorning.Sub(t0)+2*time.Hour, "hash-2", &fresh)
	st := je.run(firstMorning.Sub(t0) + 3*time.Hour)
	require.True(t, accepted)
	require.Len(t, *invites, 2)
	require.Equal(t, pickup.StateClosed, old.State)
	require.Equal(t, pickup.StateOpen, fresh.State)
	require.Equal(t, StageInvited, st.Journey.Stage)
}
