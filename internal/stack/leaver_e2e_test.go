package stack

import (
	"context"
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

// TestLeaverEndToEnd: a joiner whose pass is live leaves at once. The pass is gone within seconds, the
// sessions are revoked and the account disabled, in the emulator; no pass value reached history or logs.
func TestLeaverEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var logs testkit.Buffer
	cfg := devConfig(dir)
	cfg.UIAddress, cfg.WebhookAddress = "", ""
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	cfg.Journey.Lifetime = 8 * time.Hour
	s, err := Start(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	defer s.Stop() // idempotent: the test stops it earlier to read the database
	emu := s.EmulatorURL() + "/_emulator"
	katherine := graphemu.DemoKatherineID
	ny, _ := time.LoadLocation("America/New_York")
	today := time.Now().In(ny).Format("2006-01-02")
	hire := hrevent.Event{ID: "evt-leaver-hire", Type: hrevent.Hire, OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{
		EmployeeID: "E1002", User: "katherine.johnson@contoso.example", TimeZone: "America/New_York", StartDate: today, StartTime: "00:00"}}
	_, err = intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)

	var user struct {
		IssuedPasses        []string  `json:"issuedPasses"`
		TemporaryAccessPass *struct{} `json:"temporaryAccessPass"`
		AccountEnabled      bool      `json:"accountEnabled"`
		SessionsRevokedAt   *string   `json:"sessionsRevokedAt"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, emu+"/users/"+katherine, &user)
		return user.TemporaryAccessPass != nil
	}, time.Minute, 100*time.Millisecond, "the pass is live")

	leave := hrevent.Event{ID: "evt-leaver-term", Type: hrevent.Termination, OccurredAt: time.Now().UTC(),
		Employee: hrevent.Employee{EmployeeID: "E1002", LeaveAt: time.Now().UTC().Format(time.RFC3339)}}
	res, err := intake.Submit(context.Background(), s.Client(), leave)
	require.NoError(t, err)
	require.Equal(t, workflows.EventAccepted, res.Status)
	accepted := time.Now()
	require.Eventually(t, func() bool {
		getJSON(t, emu+"/users/"+katherine, &user)
		return user.TemporaryAccessPass == nil && user.SessionsRevokedAt != nil && !user.AccountEnabled
	}, 30*time.Second, 50*time.Millisecond)
	elapsed := time.Since(accepted)
	t.Logf("termination accepted to pass revoked, sessions revoked and account disabled: %s", elapsed)
	require.Less(t, elapsed, 5*time.Second, "a live pass is revoked within seconds of the termination")

	st := journeyStatus(t, s, res.WorkflowID)
	require.Equal(t, workflows.OutcomeDeparted, st.Journey.Outcome)
	require.NotNil(t, st.Leaver)
	require.True(t, st.Leaver.SessionsRevoked && st.Leaver.Disabled)
	require.Contains(t, string(logs.Bytes()), `"action":"account.disabled"`)
	require.Contains(t, string(logs.Bytes()), `"action":"sessions.revoked"`)
	recordHistory(t, s.Client(), res.WorkflowID, "employee-joiner-departed-v1.json")

	sources := map[string][]byte{"worker logs": logs.Bytes(), "history": historyJSON(t, s, res.WorkflowID)}
	s.Stop()
	addDatabase(t, sources, dir)
	requireNoPasses(t, user.IssuedPasses, sources)
}
