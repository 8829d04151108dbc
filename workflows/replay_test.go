package workflows

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/tapflow/tapflow/internal/codec"
)

// TestReplayRecordedHistories replays every history recorded from a real run of every tagged release (see
// internal/stack's recordHistory; testdata/histories/<tag>/) against today's workflow code: a change that breaks
// determinism for workflows a release left running fails here, and must go behind workflow.GetVersion. A tag's
// histories are never deleted: each release adds its own directory (make record-histories).
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			require.NoError(t, replayer(t).ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

// replayer replays with every workflow registered. The encrypted fixture was recorded by internal/stack's
// encryption test with its test-only key; the others are plain, which this codec also reads.
func replayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	keys, err := codec.ParseKeys("k1=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
	require.NoError(t, err)
	c := codec.NewAllowingPlain(keys)
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: c.DataConverter(),
		FailureConverter: c.FailureConverter()})
	require.NoError(t, err)
	Register(r)
	return r
}

// A replay test that could not fail would prove nothing: a history whose activity result no longer matches
// the code's next command must be rejected.
func TestReplayDetectsAChangedWorkflow(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "histories", "v0.3.0", "check-tenant-v1.json"))
	require.NoError(t, err)
	changed := strings.Replace(string(data), `"name": "ReadTAPPolicy"`, `"name": "SomethingElse"`, 1)
	require.NotEqual(t, string(data), changed)
	path := filepath.Join(t.TempDir(), "changed.json")
	require.NoError(t, os.WriteFile(path, []byte(changed), 0o600))
	r := worker.NewWorkflowReplayer()
	Register(r)
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, path))
}

// v0.3.0's joiner takes the journey as it is: one pre-flight (the first morning relies on the intake's), no
// RevokeTAP (the look that saw the passkey revoked the pass), no version marker, and no upsert before the
// delivery (the intake's start makes the workflow searchable by employee; a joiner issued straight after
// pre-flight writes its stage once, after delivery).
func TestTheReleaseHistoryHoldsTheJoinerAsItIs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "histories", "v0.3.0", "employee-joiner-registered-v1.json"))
	require.NoError(t, err)
	h := string(data)
	require.NotContains(t, h, `"markerName": "Version"`)
	require.Equal(t, 1, strings.Count(h, `"name": "Preflight"`))
	require.NotContains(t, h, `"name": "RevokeTAP"`)
	require.Empty(t, upsertsBefore(t, h, "IssueAndDeliver"))
	require.Contains(t, h[:strings.Index(h, `"eventId": "2"`)], `"EmployeeId"`, "set by the start")
	require.Equal(t, []string{"TIMER_STARTED", "TIMER_FIRED"}, timersBetween(t, h, "IssueAndDeliver", "AwaitRegistration"),
		"a timer to the first look")
}

// timersBetween lists the timer events after the first activity is scheduled and before the second is.
func timersBetween(t *testing.T, history, first, second string) []string {
	t.Helper()
	var h struct {
		Events []struct {
			EventType string `json:"eventType"`
			Scheduled struct {
				ActivityType struct{ Name string } `json:"activityType"`
			} `json:"activityTaskScheduledEventAttributes"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(history), &h))
	var out []string
	in := false
	for _, e := range h.Events {
		switch name := e.Scheduled.ActivityType.Name; {
		case name == first:
			in = true
		case name == second && in:
			return out
		case in && strings.HasPrefix(e.EventType, "EVENT_TYPE_TIMER_"):
			out = append(out, strings.TrimPrefix(e.EventType, "EVENT_TYPE_"))
		}
	}
	t.Fatalf("no %s after %s in the history", second, first)
	return nil
}

// upsertsBefore lists the search attributes upserted, one upsert after another, before the activity is scheduled.
func upsertsBefore(t *testing.T, history, activity string) []string {
	t.Helper()
	var h struct {
		Events []struct {
			EventType string `json:"eventType"`
			Upsert    struct {
				SearchAttributes struct {
					IndexedFields map[string]any `json:"indexedFields"`
				} `json:"searchAttributes"`
			} `json:"upsertWorkflowSearchAttributesEventAttributes"`
			Scheduled struct {
				ActivityType struct{ Name string } `json:"activityType"`
			} `json:"activityTaskScheduledEventAttributes"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(history), &h))
	var out []string
	for _, e := range h.Events {
		if e.Scheduled.ActivityType.Name == activity {
			return out
		}
		if e.EventType == "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES" {
			out = append(out, strings.Join(slices.Sorted(maps.Keys(e.Upsert.SearchAttributes.IndexedFields)), "+"))
		}
	}
	t.Fatalf("no %s in the history", activity)
	return nil
}
