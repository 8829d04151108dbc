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

// TestReplayRecordedHistories replays every history recorded from a real run of every release (see internal/stack's
// recordHistory; testdata/histories/<release>/) against today's workflow code: a change that breaks determinism for
// workflows a previous release left running fails here, and must go behind workflow.GetVersion. Histories are
// never deleted: a release adds its own directory.
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
	data, err := os.ReadFile(filepath.Join("testdata", "histories", "v0.1.0", "check-tenant-v1.json"))
	require.NoError(t, err)
	changed := strings.Replace(string(data), `"name": "ReadTAPPolicy"`, `"name": "SomethingElse"`, 1)
	require.NotEqual(t, string(data), changed)
	path := filepath.Join(t.TempDir(), "changed.json")
	require.NoError(t, os.WriteFile(path, []byte(changed), 0o600))
	r := worker.NewWorkflowReplayer()
	Register(r)
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, path))
}

// Each release's histories cover its own branches: v0.1.0's joiner took the journey before the lean-journey
// change (a second pre-flight, a RevokeTAP activity), v0.2.0's records the change's version marker and no
// RevokeTAP (the look that saw the passkey revoked the pass). Replaying both proves old and new branches.
func TestReleaseHistoriesCoverBothJourneyBranches(t *testing.T) {
	read := func(release string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "histories", release, "employee-joiner-registered-v1.json"))
		require.NoError(t, err)
		return string(data)
	}
	old, lean := read("v0.1.0"), read("v0.2.0")
	require.NotContains(t, old, `"markerName": "Version"`)
	require.Equal(t, 2, strings.Count(old, `"name": "Preflight"`))
	require.Contains(t, old, `"name": "RevokeTAP"`)
	require.Contains(t, lean, `"markerName": "Version"`)
	require.Equal(t, 1, strings.Count(lean, `"name": "Preflight"`))
	require.NotContains(t, lean, `"name": "RevokeTAP"`)

	// v0.2.0's intake starts the workflow searchable by employee, so it upserts no EmployeeId of its own; and a
	// joiner issued straight after pre-flight writes its stage once, after delivery.
	require.Equal(t, []string{"EmployeeId"}, upsertsBefore(t, old, "IssueAndDeliver")[:1])
	leanUpserts := upsertsBefore(t, lean, "IssueAndDeliver")
	require.Equal(t, []string{"TemporalChangeVersion"}, leanUpserts, "the version marker's, and nothing else before delivery")
	require.Contains(t, lean[:strings.Index(lean, `"eventId": "2"`)], `"EmployeeId"`, "set by the start")
}

// v0.2.0-dev holds histories of main before the quiet first look (the lean-journey change's version 1: the
// first look right after delivery); v0.2.0's take version 2 (a timer to the first look). Replaying both proves
// both branches.
func TestHistoriesCoverBothFirstLooks(t *testing.T) {
	between := func(release string) []string {
		data, err := os.ReadFile(filepath.Join("testdata", "histories", release, "employee-joiner-registered-v1.json"))
		require.NoError(t, err)
		var h struct {
			Events []struct {
				EventType string `json:"eventType"`
				Scheduled struct {
					ActivityType struct{ Name string } `json:"activityType"`
				} `json:"activityTaskScheduledEventAttributes"`
			} `json:"events"`
		}
		require.NoError(t, json.Unmarshal(data, &h))
		var out []string
		in := false
		for _, e := range h.Events {
			switch name := e.Scheduled.ActivityType.Name; {
			case name == "IssueAndDeliver":
				in = true
			case name == "AwaitRegistration":
				return out
			case in && strings.HasPrefix(e.EventType, "EVENT_TYPE_TIMER_"):
				out = append(out, strings.TrimPrefix(e.EventType, "EVENT_TYPE_"))
			}
		}
		t.Fatalf("no look in %s's history", release)
		return nil
	}
	require.Empty(t, between("v0.2.0-dev"), "version 1: the first look in the task after delivery")
	require.Equal(t, []string{"TIMER_STARTED", "TIMER_FIRED"}, between("v0.2.0"), "version 2: a timer to the first look")
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

// A run of the old commands whose start already carries EmployeeId (a v0.1.0 run continued as new, whose start
// the SDK copied the attributes into; or a new intake's start whose first task an older worker ran) still has
// its own EmployeeId upsert: today's code must replay it, not skip it.
func TestOldRunsWhoseStartCarriesTheEmployeeIDReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "v0.1.0", "employee-*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var h map[string]any
			require.NoError(t, json.Unmarshal(data, &h))
			events := h["events"].([]any)
			var employeeID any
			for _, e := range events {
				up, ok := e.(map[string]any)["upsertWorkflowSearchAttributesEventAttributes"].(map[string]any)
				if ok {
					if v, ok := up["searchAttributes"].(map[string]any)["indexedFields"].(map[string]any)["EmployeeId"]; ok {
						employeeID = v
						break
					}
				}
			}
			require.NotNil(t, employeeID, "a v0.1.0 run upserts EmployeeId")
			started := events[0].(map[string]any)["workflowExecutionStartedEventAttributes"].(map[string]any)
			started["searchAttributes"] = map[string]any{"indexedFields": map[string]any{"EmployeeId": employeeID}}
			out, err := json.Marshal(h)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "started-with-employee-id.json")
			require.NoError(t, os.WriteFile(path, out, 0o600))
			require.NoError(t, replayer(t).ReplayWorkflowHistoryFromJSONFile(nil, path))
		})
	}
}
