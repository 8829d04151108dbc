package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/internal/intake"
	"github.com/tapflow/tapflow/internal/testkit"
	"github.com/tapflow/tapflow/internal/tracing"
	"github.com/tapflow/tapflow/workflows"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

func postJSON(t *testing.T, url, body string, v any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, url)
	if v != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
}

type emuUser struct {
	IssuedPasses        []string             `json:"issuedPasses"`
	TemporaryAccessPass *struct{ ID string } `json:"temporaryAccessPass"`
}

type emuMail struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// hireStartingNow is a hire whose first morning in London began a moment ago: the pass is issued at once.
func hireStartingNow(eventID, employeeID, user string) hrevent.Event {
	london, _ := time.LoadLocation("Europe/London")
	now := time.Now().In(london)
	startTime := now.Add(-2 * time.Minute)
	if startTime.Day() != now.Day() {
		startTime = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london)
	}
	return hrevent.Event{ID: eventID, Type: hrevent.Hire, OccurredAt: time.Now().UTC(), Employee: hrevent.Employee{
		EmployeeID: employeeID, User: user, TimeZone: "Europe/London",
		StartDate: now.Format("2006-01-02"), StartTime: startTime.Format("15:04")}}
}

func journeyStatus(t *testing.T, s *Stack, id string) workflows.Status {
	t.Helper()
	v, err := s.Client().QueryWorkflow(context.Background(), id, "", workflows.QueryStatus)
	require.NoError(t, err)
	var st workflows.Status
	require.NoError(t, v.Get(&st))
	return st
}

// TestJoinerEndToEnd: a hire for today on the embedded server and emulator. A mail to the manager holds a
// pass the emulator accepts as the user's current one; a FIDO2 registration ends the journey with the pass
// revoked; the pass appears in no history, log, metric or database byte.
func TestJoinerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var logs testkit.Buffer
	cfg := devConfig(dir)
	cfg.UIAddress = ""
	cfg.Journey.Settings.PollInterval, cfg.Journey.PollIntervalSet = time.Second, true
	cfg.Journey.Lifetime = 8 * time.Hour
	var audit testkit.Buffer
	cfg.AuditLog = &audit
	spans := tracetest.NewInMemoryExporter()
	cfg.Tracing = tracing.New("tapflow-worker", spans)
	defer func() { _ = cfg.Tracing.Shutdown(context.Background()) }()
	s, err := Start(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	defer s.Stop() // idempotent: the test stops it earlier to read the database
	emu := s.EmulatorURL() + "/_emulator"
	ada := graphemu.DemoAdaLovelaceID

	hire := hireStartingNow("evt-e2e-hire", "E1001", "ada.lovelace@contoso.example")
	res, err := intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)
	require.Equal(t, workflows.EventAccepted, res.Status)
	require.Equal(t, "employee/E1001", res.WorkflowID)
	res, err = intake.Submit(context.Background(), s.Client(), hire)
	require.NoError(t, err)
	require.Equal(t, workflows.EventDuplicate, res.Status)

	// The manager's inbox receives the pass.
	var mail []emuMail
	require.Eventually(t, func() bool { getJSON(t, emu+"/mail", &mail); return len(mail) == 1 }, time.Minute, 200*time.Millisecond,
		"logs: %s", logs.Bytes())
	require.Equal(t, []string{"grace.hopper@contoso.example"}, mail[0].To)
	require.Contains(t, mail[0].Subject, "Temporary Access Pass")
	var user emuUser
	getJSON(t, emu+"/users/"+ada, &user)
	require.Len(t, user.IssuedPasses, 1)
	pass := user.IssuedPasses[0]
	require.Contains(t, html.UnescapeString(mail[0].Body), pass, "what the manager's mail client shows")
	var verdict struct{ Valid, Usable bool }
	postJSON(t, emu+"/users/"+ada+"/tap/verify", fmt.Sprintf(`{"pass":%q}`, pass), &verdict)
	require.True(t, verdict.Valid && verdict.Usable, "the mailed pass is the user's current, usable pass")

	// The workflow waits for registration, and the Web UI's search finds it by stage.
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Stage == workflows.StageAwaitingRegistration
	}, 30*time.Second, 200*time.Millisecond)
	require.Eventually(t, func() bool {
		list, err := s.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "TapflowStage = 'awaiting_registration' AND EmployeeId = 'E1001'"})
		return err == nil && len(list.GetExecutions()) == 1
	}, 30*time.Second, 200*time.Millisecond)

	// The employee registers a passkey; the pass is revoked within two poll intervals.
	postJSON(t, emu+"/users/"+ada+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"YubiKey"}`, nil)
	registeredAt := time.Now()
	require.Eventually(t, func() bool {
		return journeyStatus(t, s, res.WorkflowID).Journey.Outcome == workflows.OutcomeRegistered
	}, 30*time.Second, 100*time.Millisecond)
	require.Less(t, time.Since(registeredAt), 2*cfg.Journey.Settings.PollInterval+2*time.Second)
	getJSON(t, emu+"/users/"+ada, &user)
	require.Nil(t, user.TemporaryAccessPass, "the pass is revoked")
	st := journeyStatus(t, s, res.WorkflowID)
	require.Equal(t, workflows.StageDone, st.Journey.Stage)
	require.Equal(t, "fido2", st.Journey.RegisteredMethod)
	require.False(t, st.Journey.Revoked.IsZero())
	auditLines := strings.Split(strings.TrimSpace(string(audit.Bytes())), "\n")
	var actions []string
	for _, line := range auditLines {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), "audit lines are JSON: %s", line)
		require.Equal(t, "E1001", entry["employee_id"])
		actions = append(actions, entry["action"].(string))
	}
	require.Equal(t, []string{"tap.issued", "tap.delivered", "tap.revoked"}, actions)
	recordHistory(t, s.Client(), res.WorkflowID, "employee-joiner-registered-v1.json")

	// /metrics has the journey's series; the spans cover the workflow, its activities and the Graph calls.
	metricsOut := metricsText(t, s.HTTPURL())
	requireJourneyMetrics(t, string(metricsOut))
	spansOut := requireJourneySpans(t, cfg.Tracing, spans)

	// The pass is nowhere Temporal or tapflow keeps or writes anything.
	sources := map[string][]byte{"worker logs": logs.Bytes(), "audit log": audit.Bytes(),
		"history": historyJSON(t, s, res.WorkflowID), "metrics": metricsOut, "spans": spansOut}
	s.Stop()
	addDatabase(t, sources, dir)
	requireNoPasses(t, user.IssuedPasses, sources)
}

func historyJSON(t *testing.T, s *Stack, id string) []byte {
	t.Helper()
	return clientHistoryJSON(t, s.Client(), id)
}
