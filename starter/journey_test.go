package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/workflows"
)

func TestHireStatusApproveCancel(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()}

	// Margaret Hamilton (E1004) holds Global Administrator: held for approval.
	hire := []string{"hire", "--employee-id", "E1004", "--user", "margaret.hamilton@contoso.example",
		"--time-zone", "America/New_York", "--start-date", "2030-01-07", "--json"}
	code, out, stderr := runStarter(t, hire, env)
	require.Equal(t, 0, code, stderr)
	var res workflows.EventResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, workflows.EventAccepted, res.Status)
	require.Equal(t, "hire:E1004:2030-01-07", res.EventID)

	code, out, _ = runStarter(t, hire[:len(hire)-1], env)
	require.Equal(t, 0, code)
	require.Equal(t, "duplicate: event hire:E1004:2030-01-07 for employee/E1004\n", out)

	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"status", "E1004"}, env)
		return strings.Contains(out, "stage awaiting_approval")
	}, 30*time.Second, 200*time.Millisecond)

	code, _, stderr = runStarter(t, []string{"approve", "E1004"}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--by is required")
	code, _, stderr = runStarter(t, []string{"reissue", "E1004", "--by", "helpdesk"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "not at stage awaiting_registration (it is at awaiting_approval)")

	code, _, stderr = runStarter(t, []string{"approve", "E1004", "--by", "ciso@contoso.example", "--event-id", "an-old-journey"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "event_id: the approval names another journey")
	code, _, stderr = runStarter(t, []string{"approve", "E1004", "--by", "Margaret.Hamilton@contoso.example"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "nobody approves their own pass")
	code, out, stderr = runStarter(t, []string{"approve", "E1004", "--by", "ciso@contoso.example"}, env)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "approved by        ciso@contoso.example")
	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"status", "E1004"}, env)
		return strings.Contains(out, "stage waiting_for_start") && strings.Contains(out, "scheduled for      2030-01-07T13:00:00Z")
	}, 30*time.Second, 200*time.Millisecond)

	code, _, stderr = runStarter(t, []string{"cancel", "E1004", "--by", "hr@contoso.example", "--reason", "offer withdrawn"}, env)
	require.Equal(t, 0, code, stderr)
	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"status", "E1004", "--json"}, env)
		var st workflows.Status
		return json.Unmarshal([]byte(out), &st) == nil && st.Journey != nil && st.Journey.Outcome == workflows.OutcomeCancelled &&
			st.Journey.Reason == "cancelled by hr@contoso.example: offer withdrawn"
	}, 30*time.Second, 200*time.Millisecond)
}

func TestHireRejectsBadInputNamingEveryField(t *testing.T) {
	code, _, stderr := runStarter(t, []string{"hire", "--employee-id", "E 1", "--time-zone", "Mars/Base", "--start-date", "soon"}, nil)
	require.Equal(t, 2, code)
	for _, field := range []string{"employee.employee_id", "employee.user", "employee.time_zone", "employee.start_date"} {
		require.Contains(t, stderr, field)
	}
	code, _, stderr = runStarter(t, []string{"status", "E404"}, map[string]string{"TEMPORAL_ADDRESS": startStack(t).TemporalAddress()})
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no workflow for employee E404")
}
