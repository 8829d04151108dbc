package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/hrevent"
	"github.com/tapflow/tapflow/workflows"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "go test ./starter -update rewrites %s", path)
}

func TestStatusTimelineGolden(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	st := workflows.Status{EmployeeID: "E1001",
		Journey: &workflows.Journey{Kind: "joiner", Stage: workflows.StageDone, Outcome: workflows.OutcomeRegistered,
			Reason: "A fido2 method was registered and the pass revoked.", Scheduled: at(9, 0), Issued: at(9, 0),
			Expires: at(17, 0), Registered: at(9, 42), Revoked: at(9, 42), ApprovedBy: "ciso@contoso.example", Attempts: 1,
			SignIns: []workflows.PassSignIn{
				{At: at(9, 30), Result: "success", IPAddress: "203.0.113.7", City: "London", Country: "GB", ClientApp: "Browser"},
				{At: at(10, 5), Result: "failure", AfterRevoke: true}}},
		Events: []workflows.EventRecord{
			{ID: "hire:E1001:2026-12-01", Type: hrevent.Hire, OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
				Status: workflows.EventAccepted, Note: "joiner journey started"},
			{ID: "d1", Type: hrevent.StartDateChange, OccurredAt: time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC),
				Status: workflows.EventStale, Note: "older than the last applied start_date_change event"},
		}}
	var b bytes.Buffer
	printTimeline(&b, st)
	golden(t, "status-registered.golden", b.Bytes())

	b.Reset()
	printTimeline(&b, workflows.Status{EmployeeID: "E9"})
	golden(t, "status-empty.golden", b.Bytes())
}
