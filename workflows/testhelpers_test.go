package workflows

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/hrevent"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// The first morning of the default hire: 1 December 2026, 09:00 London (GMT) = 09:00 UTC.
var firstMorning = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func notYet() error {
	return temporal.NewApplicationError("no strong method registered yet", activities.ErrNotRegisteredYet)
}

// issued mocks IssueAndDeliver: a pass from now, lasting the requested lifetime.
func (je *journeyEnv) issued(ids ...string) *[]activities.IssueRequest {
	var reqs []activities.IssueRequest
	n := 0
	je.env.OnActivity(journeyActs.IssueAndDeliver, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.IssueRequest) (activities.IssueResult, error) {
			reqs = append(reqs, r)
			id := ids[min(n, len(ids)-1)]
			n++
			start := je.env.Now()
			if !r.Start.IsZero() {
				start = r.Start
			}
			return activities.IssueResult{MethodID: id, Start: start, Expires: start.Add(passLifetime),
				Channel: activities.ChannelManagerMail, MessageID: "msg-" + id}, nil
		})
	return &reqs
}

func (je *journeyEnv) revoked() *[]activities.RevokeRequest {
	var reqs []activities.RevokeRequest
	je.env.OnActivity(journeyActs.RevokeTAP, mock.Anything, mock.Anything).Return(
		func(_ context.Context, r activities.RevokeRequest) error { reqs = append(reqs, r); return nil })
	return &reqs
}

// registersAfter mocks AwaitRegistration: nothing until at, then a FIDO2 key.
func (je *journeyEnv) registersAfter(at time.Time) {
	je.env.OnActivity(journeyActs.AwaitRegistration, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RegistrationRequest) (activities.Registration, error) {
			if je.env.Now().Before(at) {
				return activities.Registration{}, notYet()
			}
			return activities.Registration{MethodType: "fido2", MethodID: "key-1"}, nil
		})
}

// t0 is the tests' "now": Monday 30 November 2026, 06:00 UTC.
var t0 = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

type journeyEnv struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
}

func newJourneyEnv(t *testing.T, mutate func(*activities.JoinerSettings)) *journeyEnv {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	s := activities.DefaultJoinerSettings()
	s.Channel = activities.ChannelManagerMail // the pass at once; the pickup tests choose pickup
	s.MaxReissues = 0
	s.ReminderBefore = 0
	if mutate != nil {
		mutate(&s)
	}
	env.RegisterActivity(&activities.Settings{Joiner: s, Lifecycle: activities.DefaultLifecycleSettings()})
	env.RegisterActivity(&activities.Journey{})
	env.RegisterWorkflow(Employee)
	return &journeyEnv{t: t, env: env}
}

func hireEvent(id, date string) hrevent.Event {
	return hrevent.Event{ID: id, Type: hrevent.Hire, OccurredAt: t0.Add(-time.Hour),
		Employee: hrevent.Employee{EmployeeID: "E1", User: "ada@contoso.example", TimeZone: "Europe/London", StartDate: date, StartTime: "09:00"}}
}

func event(id string, typ hrevent.Type, at time.Time, mutate func(*hrevent.Event)) hrevent.Event {
	e := hrevent.Event{ID: id, Type: typ, OccurredAt: at, Employee: hrevent.Employee{EmployeeID: "E1"}}
	if mutate != nil {
		mutate(&e)
	}
	return e
}

// send applies an event through the update at time offset d.
func (je *journeyEnv) send(d time.Duration, e hrevent.Event, want string) {
	je.env.RegisterDelayedCallback(func() {
		// A fresh update id per delivery, as the intake does: Temporal would answer a repeated update id with the
		// first delivery's result, and the workflow's own idempotency says "duplicate".
		je.env.UpdateWorkflow(UpdateEvent, fmt.Sprintf("%s@%s", e.ID, d), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { je.t.Errorf("event %s rejected: %v", e.ID, err) },
			OnAccept: func() {},
			OnComplete: func(v interface{}, err error) {
				require.NoError(je.t, err)
				require.Equal(je.t, want, v.(EventResult).Status, "event %s", e.ID)
			},
		}, e)
	}, d)
}

// update sends a manual action at offset d and reports whether it was accepted.
func (je *journeyEnv) update(d time.Duration, name string, arg any, accepted *bool) {
	je.env.RegisterDelayedCallback(func() {
		je.env.UpdateWorkflow(name, fmt.Sprintf("%s@%s", name, d), &testsuite.TestUpdateCallback{
			OnReject:   func(error) { *accepted = false },
			OnAccept:   func() { *accepted = true },
			OnComplete: func(interface{}, error) {},
		}, arg)
	}, d)
}

// run executes the workflow, and at offset end reads the status and stops it.
func (je *journeyEnv) run(end time.Duration) Status {
	var st Status
	je.env.RegisterDelayedCallback(func() {
		v, err := je.env.QueryWorkflow(QueryStatus)
		require.NoError(je.t, err)
		require.NoError(je.t, v.Get(&st))
		je.env.CancelWorkflow()
	}, end)
	je.env.ExecuteWorkflow(Employee, EmployeeInput{EmployeeID: "E1"})
	return st
}

// passLifetime is how long the mocked passes last: the default 8 hours, within the tests' policy of 1 to 8
// (activities.ClampLifetime fits it; its own tests prove that).
const passLifetime = 8 * time.Hour

var okPreflight = activities.PreflightResult{UserID: "u-1", Policy: activities.TAPPolicy{Enabled: true,
	DefaultLifetimeMinutes: 60, MinLifetimeMinutes: 60, MaxLifetimeMinutes: 480, IncludeGroups: []string{"all_users"}}}

// updateCallbacks is a TestUpdateCallback with only the parts a test needs.
type updateCallbacks struct {
	reject   func(error)
	complete func(interface{}, error)
}

func (u *updateCallbacks) Accept() {}
func (u *updateCallbacks) Reject(err error) {
	if u.reject != nil {
		u.reject(err)
	}
}
func (u *updateCallbacks) Complete(v interface{}, err error) {
	if u.complete != nil {
		u.complete(v, err)
	}
}

func converterFor(*testing.T) converter.DataConverter { return converter.GetDefaultDataConverter() }

// hiredWithoutRegistering hires the default joiner, whose pass (tap-1) is issued on the first morning and who
// never registers a strong method; it returns the revokes.
func (je *journeyEnv) hiredWithoutRegistering() *[]activities.RevokeRequest {
	je.env.OnActivity(journeyActs.Preflight, mock.Anything, mock.Anything).Return(okPreflight, nil)
	je.issued("tap-1")
	revokes := je.revoked()
	je.registersAfter(t0.Add(365 * 24 * time.Hour))
	je.send(0, hireEvent("h1", "2026-12-01"), EventAccepted)
	return revokes
}

// mailedSettings are the default settings with the pass mailed at once (manager-mail), as most tests need.
func mailedSettings() activities.JoinerSettings {
	s := activities.DefaultJoinerSettings()
	s.Channel = activities.ChannelManagerMail
	return s
}
