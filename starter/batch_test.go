package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tapflow/tapflow/internal/batch"
	"github.com/tapflow/tapflow/internal/stack"
)

const starters = "employee_id,user,start_date,time_zone,start_time\n" +
	"E1001,ada.lovelace@contoso.example,2031-02-03,Europe/London,08:30\n" +
	"E1002,katherine.johnson@contoso.example,2031-02-04,America/New_York,\n" +
	"E1003,dorothy.vaughan@contoso.example,2031-02-31,Mars/Olympus,09:00\n" +
	"E1001,ada.lovelace@contoso.example,2031-02-03,Europe/London,08:30\n"

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "starters.csv")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestBatchImportsGoodRowsReportsBadOnesAndIsIdempotent(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()}
	file := writeFile(t, starters)

	code, out, stderr := runStarter(t, []string{"batch", "--file", file, "--dry-run"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, out, "dry run: 3 rows would be sent, 1 rejected")
	require.Contains(t, stderr, "1 rows were not imported")

	code, out, _ = runStarter(t, []string{"batch", "--file", file}, env)
	require.Equal(t, 1, code, "a rejected row makes the exit code 1")
	require.Contains(t, out, "accepted 2, duplicate 1, stale 0, rejected 1, failed 0")
	require.Contains(t, out, "rejected line 4: employee.time_zone: unknown IANA zone")
	require.Contains(t, out, "employee.start_date")

	code, out, _ = runStarter(t, []string{"batch", "--file", file, "--json"}, env)
	require.Equal(t, 1, code)
	var sum batch.Summary
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	require.Equal(t, 0, sum.Accepted, "the same file again changes nothing")
	require.Equal(t, 3, sum.Duplicate)

	code, _, stderr = runStarter(t, []string{"batch", "--file", writeFile(t, "id,name\n")}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `line 1: column 1 is not a known column`)
}

func TestScheduleImportsTheFeedOnDemandAndAgainChangesNothing(t *testing.T) {
	file := writeFile(t, starters)
	s := startStack(t, func(c *stack.Config) { c.FeedSources = filepath.Dir(file) })
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_FEED_SOURCES": filepath.Dir(file)}

	code, _, stderr := runStarter(t, []string{"schedule", "create", "daily", "--feed", file, "--cron", "0 6 * * 1-5", "--time-zone", "Europe/London"}, env)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runStarter(t, []string{"schedule", "create", "daily", "--feed", file, "--every", "1h"}, env)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "exists")
	code, _, stderr = runStarter(t, []string{"schedule", "create", "bad", "--feed", file}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "exactly one of --cron or --every")

	code, out, _ := runStarter(t, []string{"schedule", "list"}, env)
	require.Equal(t, 0, code)
	require.Equal(t, "daily\n", out)

	for run := 1; run <= 2; run++ {
		code, _, stderr = runStarter(t, []string{"schedule", "trigger", "daily"}, env)
		require.Equal(t, 0, code, stderr)
		sum := waitForImport(t, s, run)
		if run == 1 {
			require.Equal(t, 2, sum.Accepted)
			require.Equal(t, 1, sum.Duplicate)
		} else {
			require.Equal(t, 0, sum.Accepted, "a rerun over the same feed changes nothing")
			require.Equal(t, 3, sum.Duplicate)
		}
		require.Len(t, sum.Rejected, 1)
		require.Equal(t, 4, sum.Rejected[0].Line)
	}
	code, out, _ = runStarter(t, []string{"schedule", "describe", "daily"}, env)
	require.Equal(t, 0, code)
	require.Contains(t, out, "Schedule daily: active, 2 runs")
	require.Contains(t, out, "imports "+file+" at 0 6 * * 1-5 (Europe/London)")

	code, _, _ = runStarter(t, []string{"schedule", "pause", "daily", "--note", "holidays"}, env)
	require.Equal(t, 0, code)
	code, out, _ = runStarter(t, []string{"schedule", "describe", "daily", "--json"}, env)
	require.Equal(t, 0, code)
	require.Contains(t, out, `"paused": true`)
	code, _, _ = runStarter(t, []string{"schedule", "delete", "daily"}, env)
	require.Equal(t, 0, code)
}

// waitForImport waits for the nth completed ImportFeed run and returns its summary.
func waitForImport(t *testing.T, s *stack.Stack, n int) batch.Summary {
	t.Helper()
	var sum batch.Summary
	require.Eventually(t, func() bool {
		resp, err := s.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = 'ImportFeed' AND ExecutionStatus = 'Completed'"})
		if err != nil || len(resp.GetExecutions()) < n {
			return false
		}
		latest := resp.GetExecutions()[0] // newest first
		err = s.Client().GetWorkflow(context.Background(), latest.GetExecution().GetWorkflowId(), latest.GetExecution().GetRunId()).
			Get(context.Background(), &sum)
		return err == nil && latest.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, time.Minute, 200*time.Millisecond)
	return sum
}

func TestEventCommandsAndList(t *testing.T) {
	s := startStack(t)
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress()}
	code, _, stderr := runStarter(t, []string{"hire", "--employee-id", "E1001", "--user", "ada.lovelace@contoso.example",
		"--time-zone", "Europe/London", "--start-date", "2031-02-03"}, env)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runStarter(t, []string{"start-date", "E1001", "--start-date", "2031-02-10"}, env)
	require.Equal(t, 0, code, stderr)
	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"status", "E1001"}, env)
		return strings.Contains(out, "scheduled for      2031-02-10T08:00:00Z")
	}, 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"list", "--stage", "waiting_for_start"}, env)
		return strings.Contains(out, "E1001") && strings.Contains(out, "waiting_for_start")
	}, 30*time.Second, 200*time.Millisecond)

	code, _, stderr = runStarter(t, []string{"rescind", "E1001", "--reason", "declined"}, env)
	require.Equal(t, 0, code, stderr)
	require.Eventually(t, func() bool {
		_, out, _ := runStarter(t, []string{"list", "--outcome", "cancelled", "--json"}, env)
		var l []listed
		return json.Unmarshal([]byte(out), &l) == nil && len(l) == 1 && l[0].EmployeeID == "E1001" && l[0].Stage == "done"
	}, 30*time.Second, 200*time.Millisecond)

	code, _, stderr = runStarter(t, []string{"list", "--stage", "sleeping"}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "use one of received")
	code, _, stderr = runStarter(t, []string{"terminate", "E1001"}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "employee.leave_at: required")
	code, _, stderr = runStarter(t, []string{"recover", "E1001", "--user", "ada.lovelace@contoso.example"}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "requested_by: required")
	code, out, stderr := runStarter(t, []string{"job-change", "E1001", "--reregister", "--json"}, env)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, `"status": "accepted"`)
}

// A schedule reads feeds only from TAPFLOW_FEED_SOURCES: one naming the worker's environment is refused when
// created, and a schedule that a starter with a wider list created is refused again when it runs on a worker
// without that source, and its failure does not show what the file holds.
func TestAScheduleCannotReadOutsideTheFeedSources(t *testing.T) {
	file := writeFile(t, starters)
	s := startStack(t, func(c *stack.Config) { c.FeedSources = filepath.Dir(file) })
	env := map[string]string{"TEMPORAL_ADDRESS": s.TemporalAddress(), "TAPFLOW_FEED_SOURCES": filepath.Dir(file)}
	code, _, stderr := runStarter(t, []string{"schedule", "create", "environ", "--feed", "/proc/self/environ", "--every", "1h"}, env)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "TAPFLOW_FEED_SOURCES")
	code, _, stderr = runStarter(t, []string{"schedule", "create", "leak", "--feed", "https://evil.example/feed.csv", "--every", "1h"}, env)
	require.Equal(t, 2, code)
	require.NotContains(t, stderr, "evil.example", "the refusal does not repeat the source")

	secret := writeFile(t, "TAPFLOW_SECRET=sk-do-not-show,x\n")
	env["TAPFLOW_FEED_SOURCES"] = filepath.Dir(secret) // this starter's list is wider than the worker's
	code, _, stderr = runStarter(t, []string{"schedule", "create", "wider", "--feed", secret, "--every", "1h"}, env)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runStarter(t, []string{"schedule", "trigger", "wider"}, env)
	require.Equal(t, 0, code, stderr)
	var failure string
	require.Eventually(t, func() bool {
		resp, err := s.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = 'ImportFeed' AND ExecutionStatus = 'Failed'"})
		if err != nil || len(resp.GetExecutions()) == 0 {
			return false
		}
		e := resp.GetExecutions()[0].GetExecution()
		err = s.Client().GetWorkflow(context.Background(), e.GetWorkflowId(), e.GetRunId()).Get(context.Background(), nil)
		failure = fmt.Sprint(err)
		return err != nil
	}, time.Minute, 200*time.Millisecond)
	require.Contains(t, failure, "TAPFLOW_FEED_SOURCES")
	require.NotContains(t, failure, "sk-do-not-show")
	require.NotContains(t, failure, secret)
}
