package activities

import (
	"context"
	"log/slog"
)

// AuditEntry is one audited action on a pass or an account. It never holds a secret.
type AuditEntry struct {
	Action     string // tap.issued, tap.delivered, tap.revoked, ...
	EmployeeID string
	UserID     string
	MethodID   string
	Reason     string
	Channel    string
	MessageID  string
	// RequestedBy is who asked, for a helpdesk recovery.
	RequestedBy string
}

// Auditor records audited actions.
type Auditor interface {
	Record(ctx context.Context, e AuditEntry)
}

// SlogAuditor writes audit entries as structured log lines with audit=true.
type SlogAuditor struct {
	Logger *slog.Logger
}

// Record implements Auditor.
func (a SlogAuditor) Record(ctx context.Context, e AuditEntry) {
	if a.Logger == nil {
		return
	}
	attrs := []slog.Attr{slog.Bool("audit", true), slog.String("action", e.Action), slog.String("employee_id", e.EmployeeID)}
	for _, kv := range [][2]string{{"user_id", e.UserID}, {"method_id", e.MethodID}, {"reason", e.Reason},
		{"channel", e.Channel}, {"message_id", e.MessageID}, {"requested_by", e.RequestedBy}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	a.Logger.LogAttrs(ctx, slog.LevelInfo, "audit "+e.Action, attrs...)
}

// PassMetrics counts passes issued and revoked (metrics.Metrics is the real one). Labels are codes: the issue
// request's reason (joiner, reissue, ...) and the revoke request's reason, never an id or a name.
type PassMetrics interface {
	PassIssued(journey string)
	PassRevoked(reason string)
}

// NopPassMetrics counts nothing, for tests and tools that do not care.
type NopPassMetrics struct{}

// PassIssued implements PassMetrics.
func (NopPassMetrics) PassIssued(string) {}

// PassRevoked implements PassMetrics.
func (NopPassMetrics) PassRevoked(string) {}

// metrics is the journey's recorder, or one that counts nothing.
func (j *Journey) metrics() PassMetrics {
	if j.Metrics == nil {
		return NopPassMetrics{}
	}
	return j.Metrics
}
