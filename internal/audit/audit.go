// Package audit records tapflow's privileged actions (a pass issued, delivered or revoked, sessions revoked, an
// account disabled or enabled) as structured lines that a SIEM can collect: who, what, for whom, why. An entry
// never holds a secret or personal data beyond the ids.
package audit

import (
	"context"
	"log/slog"
)

// Entry is one audited action on a pass or an account. It never holds a secret.
type Entry struct {
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

// Recorder records audited actions.
type Recorder interface {
	Record(ctx context.Context, e Entry)
}

// Log writes audit entries as structured log lines with audit=true.
type Log struct {
	Logger *slog.Logger
}

// Record implements Recorder.
func (a Log) Record(ctx context.Context, e Entry) {
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
