package stack

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
)

// recordHistory writes a workflow's history as JSON into $TAPFLOW_RECORD_HISTORIES/name, for the replay tests
// in package workflows. Without the variable it does nothing: recording is a deliberate act before a release.
func recordHistory(t *testing.T, c client.Client, workflowID, name string) {
	t.Helper()
	dir := os.Getenv("TAPFLOW_RECORD_HISTORIES")
	if dir == "" {
		return
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(historyOf(t, c, workflowID))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644))
}

// historyOf reads a workflow's whole history.
func historyOf(t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	return &h
}
