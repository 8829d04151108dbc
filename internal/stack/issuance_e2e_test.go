package stack

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/issuance"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// TestAFloodOfHiresTripsTheIssuanceBreaker plays a compromised HR feed: more hires than the hourly limit. The
// passes within the limit are issued; the next trips the breaker, so that hire's journey waits in stage held
// (issuance_paused) with no pass, the pause is audited and mailed to the security mailbox, and a resume that
// names no one is refused. Once a person resumes issuance, the held journey issues its pass.
func TestAFloodOfHiresTripsTheIssuanceBreaker(t *testing.T) {
	var logs testkit.Buffer
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(c *Config) {
		c.Journey.Settings.Issuance = issuance.Limits{PerHour: 2}
		c.Journey.Settings.SecurityMailbox = "soc@contoso.example"
	})
	var users []string
	for i := range 3 {
		employee := fmt.Sprintf("E720%d", i)
		users = append(users, addEmuUser(t, s, employee, `,"managerId":"grace.hopper@contoso.example"`))
		want := []workflows.Stage{workflows.StageAwaitingRegistration, workflows.StageHeld, workflows.StageDone}
		j := hireAndWait(t, s, "flood-"+employee, employee, users[i], want...)
		if i < 2 {
			require.Equal(t, workflows.StageAwaitingRegistration, j.Stage, j.Reason)
			require.Len(t, issuedPasses(t, s, users[i]), 1)
			continue
		}
		require.Equal(t, workflows.StageHeld, j.Stage, j.Reason)
		require.Equal(t, issuance.ReasonPaused, j.HeldFor)
	}
	require.Empty(t, issuedPasses(t, s, users[2]), "the flood's third pass is not issued")
	guard := &issuance.Client{Temporal: s.Client(), TaskQueue: workflows.TaskQueue}
	st, err := guard.Status(context.Background())
	require.NoError(t, err)
	require.True(t, st.Paused)
	require.Equal(t, 1, st.Held)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: issuance_paused") },
		time.Minute, 100*time.Millisecond, "the security mailbox is told")
	require.Contains(t, logs.String(), `"action":"issuance.paused"`)

	_, err = guard.Resume(context.Background(), issuance.ResumeRequest{Reason: "no name"})
	require.ErrorContains(t, err, "by")
	_, err = guard.Resume(context.Background(), issuance.ResumeRequest{By: "ciso@contoso.example", Reason: "HR confirmed the hires"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(issuedPasses(t, s, users[2])) == 1 }, time.Minute, 100*time.Millisecond)
	require.Contains(t, logs.String(), `"action":"issuance.resumed"`)
	_, err = guard.Resume(context.Background(), issuance.ResumeRequest{By: "ciso@contoso.example", Reason: "again"})
	require.ErrorContains(t, err, "not paused", "a resume ahead of a trip would defeat the breaker")

	// Whoever closes the guard's workflow to reset its count finds issuance paused, and the security mailbox told.
	require.NoError(t, s.Client().TerminateWorkflow(context.Background(), issuance.WorkflowID, "", "reset the breaker"))
	late := addEmuUser(t, s, "E7209", `,"managerId":"grace.hopper@contoso.example"`)
	j := hireAndWait(t, s, "flood-E7209", "E7209", late, workflows.StageHeld, workflows.StageAwaitingRegistration)
	require.Equal(t, workflows.StageHeld, j.Stage)
	require.Empty(t, issuedPasses(t, s, late))
	st, err = guard.Status(context.Background())
	require.NoError(t, err)
	require.Equal(t, issuance.ReasonRestarted, st.PauseReason)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: guard_restarted") }, time.Minute, 100*time.Millisecond)
}

// alerted reports whether the security mailbox received an alert with the subject.
func alerted(t *testing.T, s *Stack, subject string) bool {
	var mail []emuMail
	getJSON(t, s.EmulatorURL()+"/_emulator/mail", &mail)
	for _, m := range mail {
		if len(m.To) == 1 && m.To[0] == "soc@contoso.example" && m.Subject == subject {
			return true
		}
	}
	return false
}

// TestRecoveriesStopAtTheTenantWideDailyLimit plays the fresh-employee-id trick against the per-employee limit:
// recoveries for different employees count against one tenant-wide limit, and the one over it is refused with
// recovery_limit_tenant and issues nothing.
func TestRecoveriesStopAtTheTenantWideDailyLimit(t *testing.T) {
	var audit testkit.Buffer
	s := journeyStack(t, slog.New(slog.DiscardHandler), func(c *Config) {
		c.AuditLog = &audit
		c.Journey.Settings.Issuance = issuance.Limits{RecoveriesPerDay: 1}
	})
	recoverFor := func(employee, user string) workflows.Journey {
		res, err := intake.Submit(context.Background(), s.Client(), hrevent.Event{ID: "recover-" + employee, Type: hrevent.Recovery,
			OccurredAt: time.Now().UTC(), RequestedBy: "helpdesk@contoso.example", Employee: hrevent.Employee{EmployeeID: employee, User: user}})
		require.NoError(t, err)
		require.Equal(t, workflows.EventAccepted, res.Status, res.Reason)
		var j workflows.Journey
		require.Eventually(t, func() bool {
			st := journeyStatus(t, s, res.WorkflowID)
			if st.Journey != nil {
				j = *st.Journey
			}
			return j.Stage == workflows.StageAwaitingRegistration || j.Stage == workflows.StageDone
		}, time.Minute, 100*time.Millisecond)
		return j
	}
	first := addEmuUser(t, s, "E7301", `,"managerId":"grace.hopper@contoso.example"`)
	second := addEmuUser(t, s, "E7302", `,"managerId":"grace.hopper@contoso.example"`)
	require.Equal(t, workflows.StageAwaitingRegistration, recoverFor("E7301", first).Stage)
	j := recoverFor("E7302", second)
	require.Equal(t, workflows.Outcome(activities.RefusedRecoveryLimitTenant), j.Outcome, j.Reason)
	require.Empty(t, issuedPasses(t, s, second))
	require.Contains(t, audit.String(), `"reason":"recovery_limit_tenant"`)
}
