package activities

import (
	"context"
	"time"
)

// WatchSettings configure the tenant watch (TAPFLOW_TENANT_WATCH...): one read of the tenant's audit and
// sign-in logs per interval instead of a poll per waiting user.
type WatchSettings struct {
	On       bool          `json:"on"`
	Interval time.Duration `json:"interval"` // between reads
	// Overlap is how far before its cursor each read goes back, for entries the log ingests late.
	Overlap time.Duration `json:"overlap"`
	// SafetyNet is how often a waiting journey still looks for itself while the watch is healthy.
	SafetyNet time.Duration `json:"safety_net"`
	// ReconcileEvery is how often every pass tapflow created is checked against the open journeys.
	ReconcileEvery time.Duration `json:"reconcile_every"`
	// Settle leaves passes younger than this out of a reconciliation: their journey may not show in search yet.
	Settle time.Duration `json:"settle"`
	// AppID is tapflow's own application (client) ids, comma-separated (the workers' and, when it has an app
	// registration of its own, the pickup page's): a pass they created is tapflow's, any other a shadow pass.
	AppID string `json:"app_id,omitempty"`
	// ShadowPass is ShadowAlert (the default) or ShadowRevoke: what to do about a pass tapflow did not create.
	ShadowPass string `json:"shadow_pass"`
	// PassLifetime is the lifetime tapflow asks for its passes (filled in from the joiner settings).
	PassLifetime time.Duration `json:"pass_lifetime,omitempty"`
}

// What to do about a shadow pass.
const (
	ShadowAlert  = "alert"
	ShadowRevoke = "revoke"
)

// DefaultWatchSettings are the watch's defaults: on, a read a minute, a 15-minute overlap, a safety-net look
// every 30 minutes, reconciliation every 15.
func DefaultWatchSettings() WatchSettings {
	return WatchSettings{On: true, Interval: time.Minute, Overlap: 15 * time.Minute, SafetyNet: 30 * time.Minute,
		ReconcileEvery: 15 * time.Minute, Settle: 5 * time.Minute, ShadowPass: ShadowAlert}
}

// WatchSettings returns the tenant watch's settings (a local activity of the watch's workflow).
func (s *Settings) WatchSettings(context.Context) (WatchSettings, error) {
	w := s.Joiner.Watch
	w.PassLifetime = time.Duration(s.Joiner.LifetimeMinutes) * time.Minute
	return w, nil
}

// WatchHealth says whether the tenant watch is reading the logs (watch.Health is the real one). While it is,
// a waiting journey looks for itself only every SafetyNet: the watch tells it of a registration.
type WatchHealth interface {
	Healthy(ctx context.Context) bool
}
