package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts slog to the Temporal server's logger interface. The server's info lines are its internals
// (listeners, quotas, membership), so they go to tapflow's debug level; warnings and errors stay as they are.
type slogLogger struct{ l *slog.Logger }

var _ log.Logger = slogLogger{}

func (s slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	s.l.LogAttrs(context.Background(), level, msg, attrs...)
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal is the server giving up: the message also goes to stderr, so that an exit is never silent even when the
// process log discards errors (tests run the stack with a discarding logger).
func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	fmt.Fprintf(os.Stderr, "embedded Temporal server: fatal: %s", msg)
	for _, t := range tags {
		fmt.Fprintf(os.Stderr, " %s=%v", t.Key(), t.Value())
	}
	fmt.Fprintln(os.Stderr)
	os.Exit(1)
}

// With returns a logger that prepends the tags.
func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	args := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		args = append(args, t.Key(), t.Value())
	}
	return slogLogger{l: s.l.With(args...)}
}
