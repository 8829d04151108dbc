package watch

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
)

const (
	app   = "11111111-1111-1111-1111-111111111111"
	ada   = "aaaaaaaa-0000-0000-0000-000000000001"
	admin = "aaaaaaaa-0000-0000-0000-0000000000ad"
)

// Each log entry becomes what tapflow acts on: a person's registration, tapflow's own pass, a pass anyone else
// made, a deletion, a sign-in with a pass; failed operations, entries about no user, ordinary sign-ins and
// entries already seen are dropped.
func TestClassifyTellsOwnPassesFromShadowPasses(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	audits := []graph.AuditEntry{
		{ID: "a1", At: t0, Activity: "User registered security info", Result: "success", ByAppID: app, UserID: ada, Method: graph.LoggedTAP},
		{ID: "a2", At: t0.Add(time.Minute), Activity: "User registered security info", Result: "success", ByUserID: ada, UserID: ada, Method: "Fido2"},
		{ID: "a3", At: t0.Add(2 * time.Minute), Activity: "Admin registered security info", Result: "success", ByUserID: admin, UserID: ada,
			Detail: "Admin registered temporary access pass method for user"},
		{ID: "a4", At: t0.Add(3 * time.Minute), Activity: "User deleted security info", Result: "success", ByAppID: app, UserID: ada, Method: graph.LoggedTAP},
		{ID: "a5", At: t0, Activity: "User registered security info", Result: "failure", ByUserID: ada, UserID: ada, Method: "Fido2"},
		{ID: "a6", At: t0, Activity: "User registered security info", Result: "success", Method: "Fido2"},
		{ID: "seen", At: t0, Activity: "User registered security info", Result: "success", UserID: ada, Method: "Fido2"},
	}
	signIns := []graph.SignIn{
		{ID: "s1", At: t0.Add(90 * time.Second), UserID: ada, TAP: true, TAPSucceeded: true},
		{ID: "s2", At: t0, UserID: ada},
	}
	got := Classify(audits, signIns, app, map[string]bool{"seen": true})
	kinds := []Kind{}
	for _, f := range got {
		kinds = append(kinds, f.Kind)
	}
	require.Equal(t, []Kind{OwnPass, Registered, TAPSignIn, ShadowPass, PassDeleted}, kinds)
	require.Equal(t, admin, got[3].ByUserID)
	require.NotNil(t, got[2].SignIn)

	unknownApp := Classify(audits[:1], nil, "", nil)
	require.Equal(t, ShadowPass, unknownApp[0].Kind, "without tapflow's app id a pass cannot be told apart: reported")
	upper := Classify(audits[:1], nil, "22222222-2222-2222-2222-222222222222, "+strings.ToUpper(app), nil)
	require.Equal(t, OwnPass, upper[0].Kind, "one of several app ids, in any case")
	withPerson := audits[0]
	withPerson.ByUserID = admin
	require.Equal(t, ShadowPass, Classify([]graph.AuditEntry{withPerson}, nil, app, nil)[0].Kind,
		"a person behind it: not tapflow's")
}

// The cursor moves forward only, reads back an overlap window, and remembers the ids acted on inside it.
func TestTheCursorReadsBackTheOverlapAndForgetsOldIDs(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	overlap := 10 * time.Minute
	c := Cursor{Since: t0}
	require.Equal(t, t0.Add(-overlap), c.ReadFrom(overlap))
	c = c.Advance([]Finding{{ID: "old", At: t0.Add(-20 * time.Minute)}, {ID: "new", At: t0.Add(time.Minute)}}, t0.Add(2*time.Minute), overlap)
	require.Equal(t, t0.Add(2*time.Minute), c.Since)
	require.True(t, c.SeenSet()["new"])
	require.False(t, c.SeenSet()["old"], "older than the window: never read again")
	c = c.Advance(nil, t0, overlap)
	require.Equal(t, t0.Add(2*time.Minute), c.Since, "never back")
	c = c.Advance(nil, t0.Add(time.Hour), overlap)
	require.Empty(t, c.Seen)
}
