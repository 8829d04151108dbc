package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/dirsync"
	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/hrevent"
)

// fakeDirectory serves one round of two pages and records where each read began.
type fakeDirectory struct{ starts []string }

func (f *fakeDirectory) UsersDelta(_ context.Context, link string, _ []string, _ bool, visit func(graph.DirectoryUser) error,
	next func(string)) (string, error) {
	f.starts = append(f.starts, link)
	if link != "page-2" {
		if next != nil {
			next("page-2")
		}
	}
	u := graph.DirectoryUser{ID: "11c4a5e1-7c2d-4f3a-9b8e-1d2c3b4a5e61", Props: map[string]json.RawMessage{"accountEnabled": json.RawMessage("false")}}
	if err := visit(u); err != nil {
		return "", err
	}
	return "delta-2", nil
}

func (f *fakeDirectory) GetDirectoryUser(_ context.Context, id string, _ []string) (graph.DirectoryUser, error) {
	return graph.DirectoryUser{ID: id, Props: map[string]json.RawMessage{"employeeId": json.RawMessage(`"E1001"`),
		"accountEnabled": json.RawMessage("false")}}, nil
}

// A retried round resumes from the page its last attempt heartbeat, and its events keep the ids of the round.
func TestARetriedRoundResumesFromItsPage(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	var submitted []hrevent.Event
	rules := dirsync.DefaultRules()
	rules.ScopeAttribute, rules.ScopeValues = "", nil
	d := &DirectorySync{Directory: &fakeDirectory{}, Rules: rules,
		Submit: func(_ context.Context, e hrevent.Event) (hrevent.Result, error) {
			submitted = append(submitted, e)
			return hrevent.Result{Status: hrevent.StatusAccepted}, nil
		}}
	first := suite.NewTestActivityEnvironment()
	first.RegisterActivity(d)
	_, err := first.ExecuteActivity(d.SyncDirectory, DirectorySyncRequest{DeltaLink: "delta-1"})
	require.NoError(t, err)

	retry := suite.NewTestActivityEnvironment()
	retry.RegisterActivity(d)
	retry.SetHeartbeatDetails(roundProgress{Start: "delta-1", NextLink: "page-2", Users: 1})
	v, err := retry.ExecuteActivity(d.SyncDirectory, DirectorySyncRequest{DeltaLink: "delta-1"})
	require.NoError(t, err)
	var res DirectorySyncResult
	require.NoError(t, v.Get(&res))
	require.Equal(t, "delta-2", res.DeltaLink)
	require.Equal(t, []string{"delta-1", "page-2"}, d.Directory.(*fakeDirectory).starts)
	require.Len(t, submitted, 2)
	require.Equal(t, submitted[0].ID, submitted[1].ID, "the same change read again in the same round: the same id")
	require.Equal(t, hrevent.Termination, submitted[0].Type)
}

// manyDisabled serves one round in which n accounts were disabled.
type manyDisabled struct{ n int }

func (m manyDisabled) UsersDelta(_ context.Context, _ string, _ []string, _ bool, visit func(graph.DirectoryUser) error,
	_ func(string)) (string, error) {
	for i := range m.n {
		u := graph.DirectoryUser{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Props: map[string]json.RawMessage{"accountEnabled": json.RawMessage("false")}}
		if err := visit(u); err != nil {
			return "", err
		}
	}
	return "delta-2", nil
}

func (m manyDisabled) GetDirectoryUser(_ context.Context, id string, _ []string) (graph.DirectoryUser, error) {
	return graph.DirectoryUser{ID: id, Props: map[string]json.RawMessage{"employeeId": json.RawMessage(`"E` + id[len(id)-4:] + `"`),
		"accountEnabled": json.RawMessage("false")}}, nil
}

// A round with more leavers than the breaker allows is held: the first ones go in, the round fails with its
// own error type and keeps its link, and the hold is audited.
func TestABulkDisableIsHeld(t *testing.T) {
	var submitted []hrevent.Event
	var audited []audit.Entry
	rules := dirsync.DefaultRules()
	rules.MaxLeaversPerRound = 3
	d := &DirectorySync{Directory: manyDisabled{n: 10}, Rules: rules, Audit: recordFunc(func(e audit.Entry) { audited = append(audited, e) }),
		Submit: func(_ context.Context, e hrevent.Event) (hrevent.Result, error) {
			submitted = append(submitted, e)
			return hrevent.Result{Status: hrevent.StatusAccepted}, nil
		}}
	_, err := d.SyncDirectory(context.Background(), DirectorySyncRequest{DeltaLink: "delta-1"})
	app, ok := err.(*temporal.ApplicationError)
	require.True(t, ok, "the hold is the top-level error, so Temporal sees its type")
	require.Equal(t, ErrTooManyLeavers, app.Type())
	require.True(t, app.NonRetryable())
	require.Len(t, submitted, 3)
	require.Contains(t, audited, audit.Entry{Action: "source.held", Reason: "directory: too_many_leavers"})
}

type recordFunc func(audit.Entry)

func (f recordFunc) Record(_ context.Context, e audit.Entry) { f(e) }
