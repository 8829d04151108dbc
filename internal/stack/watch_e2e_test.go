package stack

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/watch"
	"github.com/tapflow/tapflow/workflows"
)

// watchStack is a stack whose journeys never poll for themselves within a test (the first look comes after an
// hour): only the tenant watch, reading the emulator's logs every 10 s with 0-2 s of ingestion delay, can end
// a wait. Alerts go to soc@contoso.example.
func watchStack(t *testing.T, logs *testkit.Buffer, adjust ...func(*Config)) *Stack {
	t.Helper()
	s := journeyStack(t, slog.New(slog.NewJSONHandler(logs, nil)), func(c *Config) {
		c.Journey.Settings.PollInterval = time.Hour
		c.Journey.Settings.SecurityMailbox = "soc@contoso.example"
		w := &c.Journey.Settings.Watch
		w.On, w.Interval, w.Overlap, w.SafetyNet = true, 10*time.Second, 5*time.Minute, 30*time.Minute
		w.ReconcileEvery, w.Settle, w.ShadowPass = 10*time.Second, time.Second, "alert"
		for _, f := range adjust {
			f(c)
		}
	})
	req, err := http.NewRequest(http.MethodPut, s.EmulatorURL()+"/_emulator/logs", strings.NewReader(`{"ingestion_delay_seconds":[0,2]}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return s
}

// methodReads counts the Graph reads of a user's methods the emulator served.
func methodReads(t *testing.T, s *Stack, user string) int {
	t.Helper()
	var reqs []emuRequest
	getJSON(t, s.EmulatorURL()+"/_emulator/requests", &reqs)
	n := 0
	for _, r := range reqs {
		if r.Method == http.MethodGet && r.Path == "/v1.0/users/"+user+"/authentication/methods" {
			n++
		}
	}
	return n
}

// TestARegistrationSeenOnlyInTheAuditLogRevokesThePass: no hint is sent and the journey does not poll; the
// passkey shows only in the emulator's audit log, late, and the watch's next read wakes the journey, whose one
// methods read confirms it and revokes the pass. A sign-in made with the pass before that shows in the
// journey's status, and one made with the revoked pass afterwards raises pass_used_after_revoke.
func TestARegistrationSeenOnlyInTheAuditLogRevokesThePass(t *testing.T) {
	var logs testkit.Buffer
	s := watchStack(t, &logs)
	emu := s.EmulatorURL() + "/_emulator"
	ada := graphemu.DemoAdaLovelaceID
	j := hireAndWait(t, s, "watch-hire", "E1001", ada, workflows.StageAwaitingRegistration)
	require.Equal(t, workflows.StageAwaitingRegistration, j.Stage, j.Reason)
	passes := issuedPasses(t, s, ada)
	require.Len(t, passes, 1)
	postJSON(t, emu+"/users/"+ada+"/signin", fmt.Sprintf(`{"method":"temporaryAccessPass","pass":%q,"ipAddress":"203.0.113.7",`+
		`"clientAppUsed":"Browser"}`, passes[0]), nil)
	require.Eventually(t, func() bool {
		st := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001"))
		return len(st.Journey.SignIns) == 1
	}, time.Minute, 200*time.Millisecond, "the sign-in with the pass reaches the journey")
	in := journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001")).Journey.SignIns[0]
	require.Equal(t, "success", in.Result)
	require.Equal(t, "203.0.113.7", in.IPAddress)
	require.False(t, in.AfterRevoke)

	reads := methodReads(t, s, ada)
	registered := time.Now()
	postJSON(t, emu+"/users/"+ada+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Passkey"}`, nil)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, workflows.EmployeeWorkflowID("E1001")).Journey.Outcome == workflows.OutcomeRegistered
	}, time.Minute, 200*time.Millisecond, "logs: %s", logs.Bytes())
	took := time.Since(registered)
	require.Less(t, took, 2*time.Second+10*time.Second+15*time.Second, "within the ingestion delay, one interval and some slack")
	require.Equal(t, reads+1, methodReads(t, s, ada), "no per-user poll: one read, the confirming one")
	var u emuUser
	getJSON(t, emu+"/users/"+ada, &u)
	require.Nil(t, u.TemporaryAccessPass, "revoked")

	postJSON(t, emu+"/users/"+ada+"/signin", fmt.Sprintf(`{"method":"temporaryAccessPass","pass":%q}`, passes[0]), nil)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: pass_used_after_revoke") },
		time.Minute, 200*time.Millisecond)
	st, ok := watch.Ask(context.Background(), s.Client())
	require.True(t, ok)
	require.True(t, st.Healthy)
	require.GreaterOrEqual(t, st.Hints, 1)
	require.Contains(t, logs.String(), `"action":"tap.signin"`)
	require.NotContains(t, logs.String(), "203.0.113.7", "the address stays in the journey's encrypted status, not in logs")
}

// TestShadowPrivilegedAndOrphanedPassesRaiseTheirAlerts: a pass an administrator creates in the portal is a
// shadow pass; on a Global Administrator it is also a pass on a privileged account; a pass whose workflow was
// terminated outside tapflow is found by reconciliation, revoked and reported.
func TestShadowPrivilegedAndOrphanedPassesRaiseTheirAlerts(t *testing.T) {
	var logs testkit.Buffer
	s := watchStack(t, &logs)
	emu := s.EmulatorURL() + "/_emulator"
	postJSON(t, emu+"/users/"+graphemu.DemoKatherineID+"/tap", `{}`, nil)
	postJSON(t, emu+"/users/"+graphemu.DemoMargaretID+"/tap", `{}`, nil)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: shadow_pass") }, time.Minute, 200*time.Millisecond)
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: tap_on_privileged_account") },
		time.Minute, 200*time.Millisecond)
	var k emuUser
	getJSON(t, emu+"/users/"+graphemu.DemoKatherineID, &k)
	require.NotNil(t, k.TemporaryAccessPass, "alert, not revoke, by default")

	ada := graphemu.DemoAdaLovelaceID
	hireAndWait(t, s, "orphan-hire", "E1001", ada, workflows.StageAwaitingRegistration)
	require.NoError(t, s.Client().TerminateWorkflow(context.Background(), workflows.EmployeeWorkflowID("E1001"), "",
		"an operator in the Web UI"))
	require.Eventually(t, func() bool {
		var u emuUser
		getJSON(t, emu+"/users/"+ada, &u)
		return u.TemporaryAccessPass == nil
	}, time.Minute, 200*time.Millisecond, "the orphan is revoked")
	require.Eventually(t, func() bool { return alerted(t, s, "tapflow security alert: orphaned_pass") }, time.Minute, 200*time.Millisecond)
	require.Contains(t, logs.String(), `"reason":"orphaned_pass"`)
	getJSON(t, emu+"/users/"+graphemu.DemoKatherineID, &k)
	require.NotNil(t, k.TemporaryAccessPass, "a shadow pass is not tapflow's to reconcile")
}
