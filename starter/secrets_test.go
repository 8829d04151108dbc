package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/secretscan"
	"github.com/tapflow/tapflow/internal/stack"
	"github.com/tapflow/tapflow/workflows"
)

// TestStarterOutputNeverHoldsAPass: a joiner gets a pass today, the helpdesk reissues it and the joiner
// registers; everything the starter printed on the way (status, list, JSON, debug logs) is free of both passes.
func TestStarterOutputNeverHoldsAPass(t *testing.T) {
	s := startStack(t, func(c *stack.Config) { c.Journey.Settings.PollInterval, c.Journey.PollIntervalSet = time.Second, true })
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_LOG_LEVEL": "debug"}
	var printed bytes.Buffer
	run := func(args ...string) string {
		t.Helper()
		code, out, stderr := runStarter(t, args, env)
		printed.WriteString(out + stderr)
		require.Equal(t, 0, code, stderr)
		return out
	}
	emuUser := s.EmulatorURL() + "/_emulator/users/" + graphemu.DemoAdaLovelaceID
	passes := func() []string {
		resp, err := http.Get(emuUser)
		require.NoError(t, err)
		defer resp.Body.Close()
		var u struct {
			IssuedPasses []string `json:"issuedPasses"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&u))
		return u.IssuedPasses
	}

	run("hire", "--employee-id", "E1001", "--user", "ada.lovelace@contoso.example", "--time-zone", "UTC",
		"--start-date", time.Now().UTC().Format("2006-01-02"), "--start-time", "00:00")
	require.Eventually(t, func() bool {
		return strings.Contains(run("status", "E1001"), "stage awaiting_registration")
	}, time.Minute, 200*time.Millisecond)
	run("status", "E1001", "--json")
	run("reissue", "E1001", "--by", "helpdesk@contoso.example", "--reason", "mail lost")
	require.Eventually(t, func() bool { return len(passes()) == 2 }, time.Minute, 200*time.Millisecond)
	run("list")

	resp, err := http.Post(emuUser+"/methods", "application/json",
		strings.NewReader(`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Eventually(t, func() bool {
		var st workflows.Status
		return json.Unmarshal([]byte(run("status", "E1001", "--json")), &st) == nil && st.Journey != nil &&
			st.Journey.Outcome == workflows.OutcomeRegistered
	}, time.Minute, 200*time.Millisecond)
	run("status", "E1001")

	issued := passes()
	require.Len(t, issued, 2)
	require.Empty(t, secretscan.Scan(issued, map[string][]byte{"starter output": printed.Bytes()}),
		fmt.Sprintf("the starter printed a pass (%d bytes of output scanned)", printed.Len()))
}
