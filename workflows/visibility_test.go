package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/searchattr"
	"go.temporal.io/sdk/temporal"
)

// A first joiner issued straight after pre-flight writes its stage once, after delivery. A later journey (here a
// recovery after the joiner registered) writes pre-flight and issuing at once: holding them back would leave the
// last journey's "done, registered" on show while a pass is being issued.
func TestALaterJourneyShowsItsStagesAtOnce(t *testing.T) {
	je := newJourneyEnv(t, nil)
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	var stages []Stage // every stage written, in order
	je.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(searchattr.Stage); ok {
			stages = append(stages, Stage(v))
		}
	})
	var atIssue []Stage // the last stage written when each pass was issued
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			var last Stage
			if len(stages) > 0 {
				last = stages[len(stages)-1]
			}
			atIssue = append(atIssue, last)
			now := je.env.Now()
			return activities.IssueResult{MethodID: fmt.Sprintf("tap-%d", len(atIssue)), Start: now,
				Expires: now.Add(passLifetime), Channel: activities.ChannelManagerMail}, nil
		})
	je.revoked()
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		activities.Registration{MethodType: "fido2", MethodID: "key-1", Revoked: true}, nil)
	hire := hireEvent("h1", "2026-11-30")
	hire.Employee.StartTime = "00:00"
	je.send(0, hire, EventAccepted)
	je.send(3*time.Hour, recoveryEvent("r1", t0.Add(time.Minute)), EventAccepted)
	st := je.run(2 * 24 * time.Hour)

	require.Equal(t, KindRecovery, st.Journey.Kind)
	require.Equal(t, OutcomeRegistered, st.Journey.Outcome)
	require.Equal(t, []Stage{"", StageIssuing}, atIssue, "the joiner's issue shows nothing yet; the recovery's shows itself")
	require.Equal(t, []Stage{StageAwaitingRegistration, StageDone,
		StagePreflight, StageIssuing, StageAwaitingRegistration, StageDone}, stages)
}
