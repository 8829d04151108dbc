package issuance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The breaker: the limit's worth of passes in a sliding hour go through, the next trips the pause, and every
// pass after it is held (its journey remembered once) until a person resumes; the hour then starts afresh.
func TestTheBreakerTripsAboveTheHourlyLimit(t *testing.T) {
	var s State
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	limits := Limits{PerHour: 3}
	for i := range 3 {
		require.True(t, s.Reserve(now.Add(time.Duration(i)*time.Minute), Request{Kind: KindPass, Limits: limits}).Allowed)
	}
	v := s.Reserve(now.Add(5*time.Minute), Request{Kind: KindPass, WorkflowID: "a", Limits: limits})
	require.Equal(t, Verdict{Reason: ReasonPaused, Tripped: true}, v)
	v = s.Reserve(now.Add(2*time.Hour), Request{Kind: KindPass, WorkflowID: "b", Limits: limits})
	require.Equal(t, Verdict{Reason: ReasonPaused}, v, "a pause outlasts the hour: only a person lifts it")
	s.Reserve(now.Add(2*time.Hour), Request{Kind: KindPass, WorkflowID: "b", Limits: limits})
	st := s.Status(now.Add(2 * time.Hour))
	require.True(t, st.Paused)
	require.Equal(t, 2, st.Held)

	held := s.Resume(now.Add(3*time.Hour), ResumeRequest{By: "ciso", Reason: "checked"})
	require.Equal(t, []string{"a", "b"}, held)
	require.True(t, s.Reserve(now.Add(3*time.Hour), Request{Kind: KindPass, Limits: limits}).Allowed)
	require.Equal(t, "ciso", s.Status(now.Add(3*time.Hour)).LastResumedBy)
}

// Passes older than an hour leave the window: a steady trickle never trips the breaker.
func TestTheHourSlides(t *testing.T) {
	var s State
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range 10 {
		v := s.Reserve(now.Add(time.Duration(i)*31*time.Minute), Request{Kind: KindPass, Limits: Limits{PerHour: 2}})
		require.True(t, v.Allowed, "pass %d", i)
	}
}

// Recoveries and re-registrations have a tenant-wide daily limit, refused (not held) above it; ordinary passes
// are not counted against it, and the day slides.
func TestRecoveriesHaveATenantWideDailyLimit(t *testing.T) {
	var s State
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	limits := Limits{RecoveriesPerDay: 2}
	require.True(t, s.Reserve(now, Request{Kind: KindRecovery, Limits: limits}).Allowed)
	require.True(t, s.Reserve(now, Request{Kind: KindPass, Limits: limits}).Allowed)
	require.True(t, s.Reserve(now.Add(time.Hour), Request{Kind: KindRecovery, Limits: limits}).Allowed)
	v := s.Reserve(now.Add(2*time.Hour), Request{Kind: KindRecovery, Limits: limits})
	require.Equal(t, Verdict{Reason: ReasonRecoveryLimit}, v)
	require.False(t, s.Status(now.Add(2*time.Hour)).Paused, "a refusal is not a pause")
	require.True(t, s.Reserve(now.Add(24*time.Hour+time.Minute), Request{Kind: KindRecovery, Limits: limits}).Allowed)
}

// A resume names a person and a reason, within bounds.
func TestAResumeNamesWhoAndWhy(t *testing.T) {
	require.ErrorContains(t, ResumeRequest{Reason: "x"}.Check(), "by")
	require.ErrorContains(t, ResumeRequest{By: "x"}.Check(), "reason")
	require.NoError(t, ResumeRequest{By: "ciso@contoso.example", Reason: "acquisition"}.Check())
	require.True(t, Limits{}.Off())
	require.False(t, Limits{RecoveriesPerDay: 1}.Off())
}

// A retried attempt (the same key) is answered as the first was and counted once; a resume is refused when
// nothing is paused (one sent ahead of every trip would defeat the breaker); the status changes nothing.
func TestAKeyIsCountedOnceAndAResumeNeedsAPause(t *testing.T) {
	var s State
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	limits := Limits{PerHour: 1}
	r := Request{Kind: KindPass, Key: "employee/E1/h1/1", Limits: limits}
	require.True(t, s.Reserve(now, r).Allowed)
	require.True(t, s.Reserve(now.Add(time.Minute), r).Allowed, "a retry of the same pass")
	require.Equal(t, 1, s.Status(now).IssuedLastHour)
	require.ErrorContains(t, s.CheckResume(ResumeRequest{By: "x", Reason: "y"}), "not paused")

	st := s.Status(now.Add(2 * time.Hour))
	require.Zero(t, st.IssuedLastHour)
	require.Len(t, s.Issued, 1, "the status query changes nothing")

	s = Restarted(now)
	require.Equal(t, Verdict{Reason: ReasonPaused}, s.Reserve(now, Request{Kind: KindPass, Limits: limits}),
		"a guard restarted after its run was closed holds every pass")
	require.Equal(t, ReasonRestarted, s.Status(now).PauseReason)
	require.NoError(t, s.CheckResume(ResumeRequest{By: "ciso", Reason: "checked"}))
}
