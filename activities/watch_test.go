package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
	"github.com/tapflow/tapflow/internal/watch"
)

// fakeIndex is a JourneyIndex whose journeys a test names.
type fakeIndex struct {
	open, known map[string][]string
	first       time.Time
	hints       []string
}

func (f *fakeIndex) pick(m map[string][]string, users []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, u := range users {
		if w, ok := m[strings.ToLower(u)]; ok {
			out[strings.ToLower(u)] = w
		}
	}
	return out, nil
}
func (f *fakeIndex) Open(_ context.Context, u []string) (map[string][]string, error) {
	return f.pick(f.open, u)
}
func (f *fakeIndex) Running(_ context.Context, u []string) (map[string][]string, error) {
	return f.pick(f.open, u)
}
func (f *fakeIndex) Known(_ context.Context, u []string) (map[string][]string, error) {
	return f.pick(f.known, u)
}
func (f *fakeIndex) FirstWatch(context.Context) (time.Time, error) { return f.first, nil }
func (f *fakeIndex) Hint(_ context.Context, wf string) error {
	f.hints = append(f.hints, wf)
	return nil
}
func (f *fakeIndex) SignIn(context.Context, string, graph.SignIn) error { return nil }

// watchFixture is the emulator with logs visible at once, and a watch over it.
func watchFixture(t *testing.T) (*fixture, *Watch, *fakeIndex) {
	f := newFixture(t)
	f.control(t, "PUT", "/logs", `{"ingestion_delay_seconds":[0,0]}`, nil)
	f.j.Settings.Watch = DefaultWatchSettings()
	f.j.Settings.Watch.AppID = graphemu.DefaultAppID
	idx := &fakeIndex{open: map[string][]string{}, known: map[string][]string{}}
	return f, &Watch{Journey: f.j, Logs: f.j.Graph.(graph.LogReader), Journeys: idx}, idx
}

func liveTAPs(t *testing.T, f *fixture, user string) int {
	taps, err := f.j.Graph.ListTAPs(context.Background(), user)
	require.NoError(t, err)
	return len(taps)
}

// With --shadow-pass revoke, an administrator's pass is revoked; but once tapflow's own pass has replaced it
// (a user holds one), the watch leaves tapflow's pass alone.
func TestRevokingAShadowPassNeverTakesTapflowsOwn(t *testing.T) {
	ctx := context.Background()
	f, w, _ := watchFixture(t)
	f.j.Settings.Watch.ShadowPass = ShadowRevoke
	ada, kath := graphemu.DemoAdaLovelaceID, graphemu.DemoKatherineID
	f.control(t, "POST", "/users/"+kath+"/tap", `{}`, nil)
	f.control(t, "POST", "/users/"+ada+"/tap", `{}`, nil)
	_, err := f.j.Graph.CreateTAP(ctx, ada, graph.TAPRequest{LifetimeMinutes: 60}) // tapflow's, replacing it
	require.NoError(t, err)
	res, err := w.ReadTenantLogs(ctx, WatchRequest{Cursor: watch.Cursor{Since: time.Now().Add(-time.Minute)}, Overlap: time.Minute})
	require.NoError(t, err)
	require.Empty(t, res.Problem)
	require.Equal(t, 0, liveTAPs(t, f, kath), "the shadow pass is revoked")
	require.Equal(t, 1, liveTAPs(t, f, ada), "tapflow's pass, which replaced the shadow one, is left")
	require.Equal(t, 2, res.Alerts, "both shadow passes are reported")
	again, err := w.ReadTenantLogs(ctx, WatchRequest{Cursor: res.Cursor, Overlap: time.Minute})
	require.NoError(t, err)
	require.Zero(t, again.Alerts, "entries already acted on are not acted on again")
}

// Reconciliation revokes a pass tapflow created whose user has no open journey, and leaves one with an open
// journey, and one created before the first watch.
func TestReconciliationRevokesOnlyOrphans(t *testing.T) {
	ctx := context.Background()
	f, w, idx := watchFixture(t)
	ada, kath, dot := graphemu.DemoAdaLovelaceID, graphemu.DemoKatherineID, graphemu.DemoDorothyVaughanID
	_, err := f.j.Graph.CreateTAP(ctx, dot, graph.TAPRequest{LifetimeMinutes: 60}) // before the first watch
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)
	idx.first = time.Now()
	for _, u := range []string{ada, kath} {
		_, err := f.j.Graph.CreateTAP(ctx, u, graph.TAPRequest{LifetimeMinutes: 60})
		require.NoError(t, err)
	}
	idx.open[strings.ToLower(kath)] = []string{"employee/E1002"}
	res, err := w.ReconcilePasses(ctx, ReconcileRequest{Lookback: 25 * time.Hour, After: time.Now(), Settle: 0})
	require.NoError(t, err)
	require.Equal(t, 2, res.Checked, "the pass from before the first watch is not checked")
	require.Equal(t, 1, res.Revoked)
	require.Equal(t, 0, liveTAPs(t, f, ada), "no open journey: revoked")
	require.Equal(t, 1, liveTAPs(t, f, kath), "an open journey holds it")
	require.Equal(t, 1, liveTAPs(t, f, dot))
	var reasons []string
	for _, e := range f.audit.entries {
		reasons = append(reasons, e.Reason)
	}
	require.Contains(t, reasons, AlertOrphanedPass)
}
