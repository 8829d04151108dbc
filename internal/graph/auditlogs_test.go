package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/graphemu"
)

// control posts to the emulator's control API and decodes the answer.
func control(t *testing.T, base, path, body string, out any) {
	t.Helper()
	resp, err := http.Post(base+"/_emulator"+path, "application/json", bytes.NewBufferString(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, path)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}

// The watch's reads: the Authentication Methods audits since a time, each saying who did what to whom with which
// method (a pass created by this app, a person's passkey, a shadow pass an administrator made), and the
// sign-ins since a time, each saying whether a pass was used, through every page.
func TestTheLogsSayWhoDidWhatWithWhichMethod(t *testing.T) {
	ctx := context.Background()
	emu := graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed(), Logs: &graphemu.LogOptions{}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "test-token")
	since := time.Now().Add(-time.Minute)

	tap, err := c.CreateTAP(ctx, ada, graph.TAPRequest{LifetimeMinutes: 60})
	require.NoError(t, err)
	control(t, srv.URL, "/users/"+ada+"/methods", `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	control(t, srv.URL, "/users/"+graphemu.DemoKatherineID+"/tap", `{}`, nil)
	control(t, srv.URL, "/users/"+ada+"/signin", `{"method":"temporaryAccessPass","pass":"`+jsonString(tap.Pass.Reveal())+
		`","ipAddress":"203.0.113.7","clientAppUsed":"Browser"}`, nil)
	for range 3 { // more sign-ins than a page holds when pages are small
		control(t, srv.URL, "/users/"+grace+"/signin", `{"method":"password"}`, nil)
	}

	audits, err := c.ListMethodAudits(ctx, since)
	require.NoError(t, err)
	require.Len(t, audits, 3)
	require.True(t, audits[0].IsTAP() && audits[0].Registered())
	require.Equal(t, graphemu.DefaultAppID, audits[0].ByAppID, "created by this app")
	require.Equal(t, ada, audits[0].UserID)
	require.False(t, audits[1].IsTAP(), "the person's passkey")
	require.Equal(t, ada, audits[1].ByUserID)
	require.True(t, audits[2].IsTAP())
	require.Empty(t, audits[2].ByAppID, "an administrator's pass: no app")
	require.NotEmpty(t, audits[2].ByUserID)
	require.Equal(t, graphemu.DemoKatherineID, audits[2].UserID)

	later, err := c.ListMethodAudits(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, later, "the filter holds")

	signIns, err := c.ListSignIns(ctx, since)
	require.NoError(t, err)
	require.Len(t, signIns, 4)
	require.True(t, signIns[0].TAP && signIns[0].TAPSucceeded && signIns[0].Succeeded())
	require.Equal(t, ada, signIns[0].UserID)
	require.Equal(t, "203.0.113.7", signIns[0].IPAddress)
	require.False(t, signIns[1].TAP)
}

// jsonString escapes a pass for a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// A throttled page is asked for again after its Retry-After: a read longer than the reports API's limit waits
// between pages instead of failing every interval.
func TestAThrottledLogPageIsAskedForAgain(t *testing.T) {
	emu := graphemu.New(graphemu.Options{Seed: graphemu.DemoSeed(), Logs: &graphemu.LogOptions{}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "test-token")
	control(t, srv.URL, "/faults", `{"method":"GET","path":"auditLogs/directoryAudits","status":429,"retry_after":"0.2","count":2}`, nil)
	_, err := c.ListMethodAudits(context.Background(), time.Now().Add(-time.Minute))
	require.NoError(t, err)
	control(t, srv.URL, "/faults", `{"method":"GET","path":"auditLogs/signIns","status":403,"count":1}`, nil)
	_, err = c.ListSignIns(context.Background(), time.Now().Add(-time.Minute))
	require.Equal(t, graph.KindForbidden, graph.KindOf(err), "a refusal is not waited out")
}
