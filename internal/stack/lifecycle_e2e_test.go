package stack

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// TestRecoveryMoverAndWithdrawnTerminationEndToEnd drives the other event types on the dev stack: a helpdesk
// recovery and a mover's re-registration for Radia Perlman (who already has a FIDO2 key: only a new method
// completes them), the daily recovery limit, and a future termination that is withdrawn.
func TestRecoveryMoverAndWithdrawnTerminationEndToEnd(t *testing.T) {
	var logs testkit.Buffer
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) { c.Journey.Lifecycle.MaxRecoveriesPerDay = 1 })
	emu := s.EmulatorURL() + "/_emulator"
	radia := graphemu.DemoRadiaPerlmanID
	submit := func(e hrevent.Event) hrevent.Result {
		t.Helper()
		e.OccurredAt, e.Employee.EmployeeID = time.Now().UTC(), "E0999"
		res, err := intake.Submit(context.Background(), s.Client(), e)
		require.NoError(t, err)
		return res
	}
	var user struct {
		IssuedPasses        []string  `json:"issuedPasses"`
		TemporaryAccessPass *struct{} `json:"temporaryAccessPass"`
	}
	registerAndWait := func(kind workflows.Kind, n int) {
		t.Helper()
		require.Eventually(t, func() bool {
			getJSON(t, emu+"/users/"+radia, &user)
			return user.TemporaryAccessPass != nil && len(user.IssuedPasses) == n
		}, time.Minute, 100*time.Millisecond, "%s: a pass is live although she has a FIDO2 key", kind)
		postJSON(t, emu+"/users/"+radia+"/methods", fmt.Sprintf(`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"%s key"}`, kind), nil)
		require.Eventually(t, func() bool {
			j := journeyStatus(t, s, "employee/E0999").Journey
			return j != nil && j.Kind == kind && j.Outcome == workflows.OutcomeRegistered
		}, 30*time.Second, 100*time.Millisecond)
		getJSON(t, emu+"/users/"+radia, &user)
		require.Nil(t, user.TemporaryAccessPass, "%s: revoked once the new key was registered", kind)
	}

	recovery := hrevent.Event{ID: "rec-1", Type: hrevent.Recovery, RequestedBy: "helpdesk@contoso.example",
		Employee: hrevent.Employee{User: "radia.perlman@contoso.example"}}
	require.Equal(t, workflows.EventAccepted, submit(recovery).Status)
	registerAndWait("recovery", 1)
	again := recovery
	again.ID = "rec-2"
	res := submit(again)
	require.Equal(t, hrevent.StatusRefused, res.Status)
	require.Contains(t, res.Reason, "the limit is 1 per day")

	mover := hrevent.Event{ID: "move-1", Type: hrevent.JobChange, Changes: &hrevent.Changes{Reregister: true, JobTitle: "Fellow"},
		Employee: hrevent.Employee{User: "radia.perlman@contoso.example"}}
	require.Equal(t, workflows.EventAccepted, submit(mover).Status)
	registerAndWait("mover", 2)

	// A termination three seconds ahead, withdrawn at once: when its time comes, nothing happens.
	soon := time.Now().Add(3 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	submit(hrevent.Event{ID: "term-1", Type: hrevent.Termination, Employee: hrevent.Employee{LeaveAt: soon.Format(time.RFC3339)}})
	submit(hrevent.Event{ID: "term-1-cancel", Type: hrevent.TerminationCancelled})
	time.Sleep(time.Until(soon) + 2*time.Second)
	st := journeyStatus(t, s, "employee/E0999")
	last := st.Events[len(st.Events)-1]
	require.Equal(t, "the pending termination was withdrawn", last.Note)
	require.Nil(t, st.Leaver, "no departure")
	var account struct {
		AccountEnabled    bool    `json:"accountEnabled"`
		SessionsRevokedAt *string `json:"sessionsRevokedAt"`
	}
	getJSON(t, emu+"/users/"+radia, &account)
	require.True(t, account.AccountEnabled)
	require.Nil(t, account.SessionsRevokedAt)

	getJSON(t, emu+"/users/"+radia, &user)
	require.Len(t, user.IssuedPasses, 2)
	requireNoPasses(t, user.IssuedPasses, map[string][]byte{
		"worker logs": logs.Bytes(), "history": historyJSON(t, s, "employee/E0999")})
}
