// Package logging builds tapflow's slog loggers: JSON or text, at a chosen level.
package logging

import (
	"fmt"
	"io"
	"log/slog"
)

// Levels are the accepted log levels, for flags and errors.
func Levels() []string { return []string{"debug", "info", "warn", "error"} }

// Formats are the accepted log formats.
func Formats() []string { return []string{"text", "json"} }

// New builds a logger writing to w.
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want one of debug, info, warn, error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}
