package stack

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/workflows"
)

// A registered hint that arrives while a look is in flight on the real server: the workflow waits for that
// look. If it finds nothing or fails, the wait goes on (a hint is no verdict); if it sees the key, its answer
// (key seen, pass revoked) ends the journey. No second look runs beside it, so the pass is deleted and audited
// once.
func TestAHintWaitsForTheLookInFlight(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.UIAddress = ""
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	var audit testkit.Buffer
	cfg.AuditLog = &audit
	var logs testkit.Buffer
	s, err := Start(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	defer s.Stop()
	emu := s.EmulatorURL() + "/_emulator"
	ada := graphemu.DemoAdaLovelaceID

	res, err := intake.Submit(context.Background(), s.Client(), hireStartingNow("evt-hint", "E1001", "ada.lovelace@contoso.example"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingRegistration
	}, time.Minute, 100*time.Millisecond)

	// A hint while a look is held that then finds nothing, or fails with a Graph error: the wait goes on.
	for _, status := range []string{"", `,"status":503`} {
		holdNextLook(t, emu, status)
		require.NoError(t, s.Client().SignalWorkflow(context.Background(), res.WorkflowID, "", workflows.SignalRegistered, nil))
		time.Sleep(4 * time.Second)
		st := journeyStatus(t, s, res.WorkflowID)
		require.Equal(t, workflows.StageAwaitingRegistration, st.Journey.Stage, "held look %q", status)
		require.Empty(t, st.Journey.Outcome, "held look %q", status)
	}

	// The next look is held for 3 s on its way in; while it is held, the person registers and the hint comes.
	holdNextLook(t, emu, "")
	var before []emuRequest
	getJSON(t, emu+"/requests", &before)
	postJSON(t, emu+"/users/"+ada+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	require.NoError(t, s.Client().SignalWorkflow(context.Background(), res.WorkflowID, "", workflows.SignalRegistered, nil))

	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Outcome == workflows.OutcomeRegistered
	}, 30*time.Second, 100*time.Millisecond)
	time.Sleep(2 * time.Second) // room for a stray look, were there one
	var after []emuRequest
	getJSON(t, emu+"/requests", &after)
	looks, deletes := 0, 0
	for _, r := range after[len(before):] {
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.Path, "/authentication/methods"):
			looks++
		case r.Method == "DELETE":
			deletes++
		}
	}
	require.Zero(t, looks, "no look beside the one in flight, nor after it: its answer ended the wait")
	require.Equal(t, 1, deletes, "the pass is deleted once")
	require.Equal(t, 1, strings.Count(string(audit.Bytes()), `"tap.revoked"`), "and audited once")

	// Cancelled, failed and waited-for looks carry no pass: not in history (failures included), logs or audit.
	var user emuUser
	getJSON(t, emu+"/users/"+ada, &user)
	requireNoPasses(t, user.IssuedPasses, map[string][]byte{"history": historyJSON(t, s, res.WorkflowID),
		"worker logs": logs.Bytes(), "audit log": audit.Bytes()})
}

// holdNextLook holds the next methods list for 3 s on its way in (then answers it, or fails it with the fault's
// extra fields) and returns once a look is held.
func holdNextLook(t *testing.T, emu, extra string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, emu+"/faults", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	postJSON(t, emu+"/faults", `{"method":"GET","path":"/authentication/methods$","latency_ms":3000,"count":1`+extra+`}`, nil)
	require.Eventually(t, func() bool {
		var faults []struct{ Applied int }
		getJSON(t, emu+"/faults", &faults)
		return len(faults) == 1 && faults[0].Applied == 1
	}, 10*time.Second, 20*time.Millisecond)
}

// emuRequest is one Graph request in the emulator's log.
type emuRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}
