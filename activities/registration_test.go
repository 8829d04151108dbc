package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/tapflow/tapflow/internal/audit"
	"github.com/tapflow/tapflow/internal/graphemu"
)

// The look that sees the registration also revokes the pass, audited once; a pass already gone is no failure.
func TestAwaitRegistrationRevokesThePassWhenItSeesTheMethod(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.j.IssueAndDeliver(ctx, IssueRequest{EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID})
	require.NoError(t, err)
	req := RegistrationRequest{UserID: graphemu.DemoAdaLovelaceID, RevokeMethodID: res.MethodID, EmployeeID: "E1001"}
	_, err = f.j.AwaitRegistration(ctx, req)
	require.Error(t, err, "nothing registered yet: the pass stays")
	var user struct {
		TemporaryAccessPass *struct{} `json:"temporaryAccessPass"`
	}
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &user)
	require.NotNil(t, user.TemporaryAccessPass)

	f.control(t, "POST", "/users/"+graphemu.DemoAdaLovelaceID+"/methods",
		`{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","displayName":"Key"}`, nil)
	reg, err := f.j.AwaitRegistration(ctx, req)
	require.NoError(t, err)
	require.True(t, reg.Revoked)
	f.control(t, "GET", "/users/"+graphemu.DemoAdaLovelaceID, "", &user)
	require.Nil(t, user.TemporaryAccessPass, "revoked by the look that saw the key")
	last := f.audit.entries[len(f.audit.entries)-1]
	require.Equal(t, audit.Entry{Action: "tap.revoked", EmployeeID: "E1001", UserID: graphemu.DemoAdaLovelaceID, MethodID: res.MethodID,
		Reason: "registered"}, last)

	// A retried look (a worker died before the first one's answer reached Temporal): the pass is already gone, so
	// its DELETE finds nothing; it is not audited twice.
	audited := len(f.audit.entries)
	reg, err = f.j.AwaitRegistration(ctx, req)
	require.NoError(t, err)
	require.True(t, reg.Revoked)
	require.Len(t, f.audit.entries, audited, "no second audit line")
	var served []struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	}
	f.control(t, "GET", "/requests", "", &served)
	deletes := 0
	for _, r := range served {
		if r.Method == "DELETE" {
			deletes++
		}
	}
	require.Equal(t, 2, deletes, "the retried look does not trust the list: it deletes again, and finds nothing")
}

func TestTheAdaptiveScheduleSlowsDownAfterTheFirstHour(t *testing.T) {
	delivered := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	j := &Journey{Settings: JoinerSettings{PollSlowAfter: time.Hour, PollSlowInterval: 10 * time.Minute}}
	req := RegistrationRequest{Delivered: delivered, Expires: delivered.Add(8 * time.Hour)}
	require.Zero(t, j.nextLook(context.Background(), req, delivered.Add(59*time.Minute)), "the first hour: the retry policy's interval")
	require.Equal(t, 10*time.Minute, j.nextLook(context.Background(), req, delivered.Add(time.Hour)))
	require.Equal(t, 4*time.Minute+30*time.Second, j.nextLook(context.Background(), req, delivered.Add(8*time.Hour-5*time.Minute)),
		"a last look half a minute before the pass expires")
	require.Equal(t, 10*time.Minute, j.nextLook(context.Background(), req, delivered.Add(8*time.Hour-10*time.Second)), "past the last look: the timeout ends it")
	require.Zero(t, (&Journey{}).nextLook(context.Background(), req, delivered.Add(2*time.Hour)), "no schedule: fixed")

	// The activity carries the delay on its error, where the SDK's retry takes it from.
	f := newFixture(t)
	f.j.Settings.PollSlowAfter, f.j.Settings.PollSlowInterval = time.Hour, 10*time.Minute // the worker's settings
	req = RegistrationRequest{UserID: graphemu.DemoAdaLovelaceID, Delivered: time.Now().Add(-2 * time.Hour)}
	_, err := f.j.AwaitRegistration(context.Background(), req)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	require.Equal(t, 10*time.Minute, app.NextRetryDelay())
}

// fixedHealth is a tenant watch whose health a test sets.
type fixedHealth bool

func (h fixedHealth) Healthy(context.Context) bool { return bool(h) }

// While the tenant watch is healthy a waiting journey looks for itself only every safety-net interval (the
// watch tells it of a registration); once the watch is not, the adaptive schedule is back at the next look.
func TestAHealthyWatchLeavesOnlyTheSafetyNet(t *testing.T) {
	ctx := context.Background()
	delivered := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := DefaultJoinerSettings()
	j := &Journey{Settings: s, Watch: fixedHealth(true)}
	req := RegistrationRequest{Delivered: delivered, Expires: delivered.Add(8 * time.Hour), Findable: true}
	require.Equal(t, 30*time.Minute, j.nextLook(ctx, req, delivered.Add(time.Minute)), "the first hour too")
	require.Equal(t, 10*time.Minute-30*time.Second, j.nextLook(ctx, req, delivered.Add(8*time.Hour-10*time.Minute)),
		"a last look before the pass expires")
	j.Watch = fixedHealth(false)
	require.Zero(t, j.nextLook(ctx, req, delivered.Add(time.Minute)), "an unhealthy watch: the adaptive schedule")
	j.Watch = fixedHealth(true)
	req.Findable = false
	require.Zero(t, j.nextLook(ctx, req, delivered.Add(time.Minute)), "a journey the watch cannot find keeps its schedule")
	req.Findable, j.Settings.Watch.On = true, false
	require.Zero(t, j.nextLook(ctx, req, delivered.Add(time.Minute)), "the watch turned off")
}

// Polls per hour of a pass's life on the default schedule against a fixed one of the same first-hour interval.
func TestTheDefaultAdaptiveScheduleHalvesThePolls(t *testing.T) {
	s := DefaultJoinerSettings()
	life := time.Duration(s.LifetimeMinutes) * time.Minute
	delivered := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	j := &Journey{Settings: s}
	req := RegistrationRequest{Delivered: delivered, Expires: delivered.Add(life)}
	adaptive := 0
	for at := delivered; at.Before(delivered.Add(life)); adaptive++ {
		d := j.nextLook(context.Background(), req, at)
		if d == 0 {
			d = s.PollInterval
		}
		at = at.Add(d)
	}
	fixed := int(life / s.PollInterval)
	t.Logf("polls over an %s pass: fixed %d, adaptive %d (%.0f%% fewer)", life, fixed, adaptive, 100*(1-float64(adaptive)/float64(fixed)))
	require.LessOrEqual(t, adaptive*2, fixed)
}
