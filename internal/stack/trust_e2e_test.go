package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// TestAnEventNamingAnotherEmployeesAccountIssuesNothing plays identity binding's attacks on the dev stack:
// whoever can send HR events names an account that is not the employee's (a manager's, as an attacker would
// name the CEO's) under a fresh employee id, by recovery, by re-registration and by hire, or names an account
// with no employeeId, or sends a termination for it. No pass is issued (the emulator's issuedPasses is the
// judge), the journey ends with the reason code, the refusal is audited, and the termination disables nothing.
func TestAnEventNamingAnotherEmployeesAccountIssuesNothing(t *testing.T) {
	var audit testkit.Buffer
	s := journeyStack(t, slog.New(slog.DiscardHandler), func(c *Config) { c.AuditLog = &audit })
	emu := s.EmulatorURL() + "/_emulator"
	submit := func(e hrevent.Event) {
		t.Helper()
		e.OccurredAt = time.Now().UTC()
		res, err := intake.Submit(context.Background(), s.Client(), e)
		require.NoError(t, err)
		require.Equal(t, workflows.EventAccepted, res.Status, res.Reason)
	}
	outcomeOf := func(employee string) workflows.Outcome {
		t.Helper()
		var out workflows.Outcome
		require.Eventually(t, func() bool {
			st := journeyStatus(t, s, workflows.EmployeeWorkflowID(employee))
			if st.Journey != nil && st.Journey.Stage == workflows.StageDone {
				out = st.Journey.Outcome
			}
			return out != ""
		}, time.Minute, 100*time.Millisecond)
		return out
	}

	recovery := hrevent.Event{ID: "attack-recovery", Type: hrevent.Recovery, RequestedBy: "helpdesk@contoso.example",
		Employee: hrevent.Employee{EmployeeID: "E6666", User: "alan.turing@contoso.example"}}
	submit(recovery)
	require.Equal(t, workflows.Outcome(activities.RefusedIdentityMismatch), outcomeOf("E6666"))

	mover := hrevent.Event{ID: "attack-mover", Type: hrevent.JobChange, Changes: &hrevent.Changes{Reregister: true},
		Employee: hrevent.Employee{EmployeeID: "E6667", User: graphemu.DemoRadiaPerlmanID}}
	submit(mover)
	require.Equal(t, workflows.Outcome(activities.RefusedIdentityMismatch), outcomeOf("E6667"))

	submit(hireStartingNow("attack-hire", "E6668", "grace.hopper@contoso.example"))
	require.Equal(t, workflows.Outcome(activities.RefusedIdentityMismatch), outcomeOf("E6668"))

	submit(hireStartingNow("attack-unbound", "E6669", "helpdesk@contoso.example"))
	require.Equal(t, workflows.Outcome(activities.RefusedIdentityUnbound), outcomeOf("E6669"))

	submit(hrevent.Event{ID: "attack-leave", Type: hrevent.Termination,
		Employee: hrevent.Employee{EmployeeID: "E6670", User: "grace.hopper@contoso.example", LeaveAt: time.Now().UTC().Format(time.RFC3339)}})
	require.Eventually(t, func() bool { return journeyStatus(t, s, "employee/E6670").Leaver != nil }, time.Minute, 100*time.Millisecond)
	leaver := journeyStatus(t, s, "employee/E6670").Leaver
	require.Contains(t, leaver.Reason, "names another employee")
	require.Equal(t, workflows.Outcome("depart_refused: identity_mismatch"), leaver.Outcome, "not shown as departed")
	require.False(t, leaver.Disabled)
	require.False(t, leaver.SessionsRevoked)

	for _, id := range []string{graphemu.DemoAlanTuringID, graphemu.DemoRadiaPerlmanID, graphemu.DemoGraceHopperID, graphemu.DemoHelpdeskID} {
		var user struct {
			IssuedPasses      []string `json:"issuedPasses"`
			AccountEnabled    bool     `json:"accountEnabled"`
			SessionsRevokedAt *string  `json:"sessionsRevokedAt"`
		}
		getJSON(t, emu+"/users/"+id, &user)
		require.Empty(t, user.IssuedPasses, "no pass for %s", id)
		require.True(t, user.AccountEnabled, "%s still enabled", id)
		require.Nil(t, user.SessionsRevokedAt, "%s still signed in", id)
	}

	refusals := map[string]string{} // employee id: action and reason, from the audit log
	for _, line := range strings.Split(strings.TrimSpace(audit.String()), "\n") {
		var e struct{ Action, EmployeeID, Reason, UserID string }
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &raw))
		e.Action, _ = raw["action"].(string)
		e.EmployeeID, _ = raw["employee_id"].(string)
		e.Reason, _ = raw["reason"].(string)
		if strings.HasSuffix(e.Action, "refused") {
			refusals[e.EmployeeID] = e.Action + " " + e.Reason
		}
	}
	require.Equal(t, map[string]string{
		"E6666": "tap.refused identity_mismatch", "E6667": "tap.refused identity_mismatch",
		"E6668": "tap.refused identity_mismatch", "E6669": "tap.refused identity_unbound",
		"E6670": "departure.refused identity_mismatch",
	}, refusals)
}

// TestARecoveryForTheEmployeesOtherAccountIssuesNothing plays the attack identity binding alone lets through: a
// recovery for an employee naming their second account (an administrator account carrying the same employeeId).
// The employee's account was pinned by their hire, so the recovery ends identity_changed, with no pass for the
// administrator account and an audit line.
func TestARecoveryForTheEmployeesOtherAccountIssuesNothing(t *testing.T) {
	var logs testkit.Buffer
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), nil)
	emu := s.EmulatorURL() + "/_emulator"
	var admin struct {
		ID string `json:"id"`
	}
	postJSON(t, emu+"/users", fmt.Sprintf(`{"userPrincipalName":"ada.admin@contoso.example","displayName":"Ada (admin)",`+
		`"employeeId":"E1001","managerId":%q,"directoryRoles":["Global Administrator"]}`, graphemu.DemoGraceHopperID), &admin)

	res, err := intake.Submit(context.Background(), s.Client(), hireStartingNow("pin-hire", "E1001", "ada.lovelace@contoso.example"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingRegistration
	}, time.Minute, 100*time.Millisecond)
	postJSON(t, emu+"/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Ada's key"}`, nil)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Outcome == workflows.OutcomeRegistered
	}, time.Minute, 100*time.Millisecond)

	_, err = intake.Submit(context.Background(), s.Client(), hrevent.Event{ID: "pin-recovery", Type: hrevent.Recovery,
		OccurredAt: time.Now().UTC(), RequestedBy: "helpdesk@contoso.example",
		Employee: hrevent.Employee{EmployeeID: "E1001", User: "ada.admin@contoso.example"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j := journeyStatus(t, s, res.WorkflowID).Journey
		return j.Kind == workflows.KindRecovery && j.Outcome == workflows.OutcomeIdentityChanged
	}, time.Minute, 100*time.Millisecond)

	var user struct {
		IssuedPasses []string `json:"issuedPasses"`
	}
	getJSON(t, emu+"/users/"+admin.ID, &user)
	require.Empty(t, user.IssuedPasses, "no pass for the administrator account")
	require.Contains(t, logs.String(), `"action":"tap.refused"`)
	require.Contains(t, logs.String(), `"reason":"identity_changed"`)
}

// TestAFutureDatedEventIsRefusedAndCannotMakeRealOnesStale: a signed termination dated in 2199 would make every
// real termination of the employee stale. The receiver refuses it (400, naming occurred_at), and the real one
// that follows is carried out.
func TestAFutureDatedEventIsRefusedAndCannotMakeRealOnesStale(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.UIAddress, cfg.InMemory = "", true
	s, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer s.Stop()
	post := func(body string) int { return postSigned(t, s.WebhookURL(), s.GeneratedWebhookSecret(), body) }
	require.Equal(t, http.StatusAccepted, post(`{"id":"future-hire","type":"hire","occurred_at":"`+time.Now().UTC().Format(time.RFC3339)+
		`","employee":{"employee_id":"E1002","user":"katherine.johnson@contoso.example","time_zone":"America/New_York","start_date":"2031-03-03"}}`))
	require.Equal(t, http.StatusBadRequest, post(`{"id":"future-termination","type":"termination","occurred_at":"2199-01-01T00:00:00Z",`+
		`"employee":{"employee_id":"E1002","leave_at":"2031-01-01"}}`))
	st := journeyStatus(t, s, "employee/E1002")
	for _, e := range st.Events {
		require.NotEqual(t, "future-termination", e.ID, "never reached the workflow")
	}
	require.Equal(t, http.StatusAccepted, post(`{"id":"real-termination","type":"termination","occurred_at":"`+
		time.Now().UTC().Format(time.RFC3339)+`","employee":{"employee_id":"E1002","leave_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}}`))
	require.Eventually(t, func() bool { return journeyStatus(t, s, "employee/E1002").Leaver != nil }, 30*time.Second, 100*time.Millisecond)
}

// TestAnApprovalReplayedFromAnotherJourneyIssuesNothing: an approval copied from another workflow's history (it
// names another employee and journey) is refused by the update's validator, and no pass is issued for the held
// administrator; the genuine approval, naming her journey, is audited and lets the pass be issued.
func TestAnApprovalReplayedFromAnotherJourneyIssuesNothing(t *testing.T) {
	var logs testkit.Buffer
	s := journeyStack(t, slog.New(slog.NewJSONHandler(&logs, nil)), nil)
	hire := hireStartingNow("held-hire", "E1004", "margaret.hamilton@contoso.example")
	res, err := intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingApproval
	}, time.Minute, 100*time.Millisecond)
	approve := func(r workflows.ApproveRequest) error {
		h, err := s.Client().UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: res.WorkflowID,
			UpdateName: workflows.UpdateApprove, Args: []any{r}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		return h.Get(context.Background(), nil)
	}
	replayed := workflows.ApproveRequest{EmployeeID: "E1001", EventID: "an-approved-hire", Approver: "ciso@contoso.example"}
	require.ErrorContains(t, approve(replayed), "employee_id")
	replayed.EmployeeID = "E1004"
	require.ErrorContains(t, approve(replayed), "event_id")
	time.Sleep(2 * time.Second) // a pass, had one been let through, would be issued by now
	var user struct {
		IssuedPasses []string `json:"issuedPasses"`
	}
	getJSON(t, s.EmulatorURL()+"/_emulator/users/"+graphemu.DemoMargaretID, &user)
	require.Empty(t, user.IssuedPasses, "no pass on a replayed approval")
	require.Equal(t, workflows.StageAwaitingApproval, journeyStatus(t, s, res.WorkflowID).Journey.Stage)

	require.NoError(t, approve(workflows.ApproveRequest{EmployeeID: "E1004", EventID: hire.ID, Approver: "ciso@contoso.example",
		Reason: "verified in person"}))
	require.Eventually(t, func() bool {
		getJSON(t, s.EmulatorURL()+"/_emulator/users/"+graphemu.DemoMargaretID, &user)
		return len(user.IssuedPasses) == 1
	}, time.Minute, 100*time.Millisecond)
	require.Contains(t, logs.String(), `"action":"journey.approved"`)
	require.Contains(t, logs.String(), `"event_id":"held-hire"`)
}

// journeyStack starts an in-memory dev stack for a journey test: no Web UI or webhook listener, a poll every
// second, logs to log; adjust changes the configuration first. It stops with the test.
func journeyStack(t *testing.T, log *slog.Logger, adjust func(*Config)) *Stack {
	t.Helper()
	cfg := devConfig(t.TempDir())
	cfg.UIAddress, cfg.WebhookAddress, cfg.InMemory = "", "", true
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := Start(context.Background(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}
