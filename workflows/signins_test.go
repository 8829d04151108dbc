package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/delivery"
	"github.com/tapflow/tapflow/internal/graph"
)

// Sign-ins with a pass reach the journey from the tenant watch: one while the pass is live is recorded, one
// for another account or seen before is dropped, and after the revoke a successful sign-in always raises
// pass_used_after_revoke while failed ones raise it once.
func TestSignInsWithThePassAreRecordedAndJudged(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	je.revoked()
	registered := firstMorning.Add(2 * time.Hour)
	je.registersAfter(registered)
	var alerts []string
	je.env.OnActivity(journeyActs.Alert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.AlertRequest) (delivery.Receipt, error) {
			alerts = append(alerts, r.Reason)
			return delivery.Receipt{}, nil
		})
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	signIn := func(at time.Time, id, user string, code int) {
		je.env.RegisterDelayedCallback(func() {
			je.env.SignalWorkflow(SignalTAPSignIn, graph.SignIn{ID: id, At: at, UserID: user, ErrorCode: code,
				IPAddress: "203.0.113.7\x1b[31m", TAP: true})
		}, at.Sub(t0))
	}
	live := firstMorning.Add(time.Hour)
	signIn(live, "s1", "U-1", 0)                  // while the pass is live; the id's case differs
	signIn(live.Add(time.Minute), "s1", "u-1", 0) // seen before
	signIn(live.Add(2*time.Minute), "s2", "someone-else", 0)
	after := registered.Add(time.Hour)
	signIn(after, "s3", "u-1", 50126)
	signIn(after.Add(time.Minute), "s4", "u-1", 50126)
	signIn(after.Add(2*time.Minute), "s5", "u-1", 0)
	st := je.run(3 * 24 * time.Hour)

	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	ids := []string{}
	for _, s := range st.Journey.SignIns {
		ids = append(ids, s.ID)
	}
	require.Equal(t, []string{"s1", "s3", "s4", "s5"}, ids)
	require.False(t, st.Journey.SignIns[0].AfterRevoke)
	require.Equal(t, "203.0.113.7[31m", st.Journey.SignIns[0].IPAddress, "control characters dropped")
	require.True(t, st.Journey.SignIns[3].AfterRevoke)
	require.Equal(t, []string{activities.AlertPassUsedAfterRevoke, activities.AlertPassUsedAfterRevoke}, alerts,
		"the first failure and the success")
}
