package graph

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Pass prints as, wherever it ends up by mistake.
const redacted = "[REDACTED]"

// Pass holds a secret text (a Temporary Access Pass, or a mail body that carries one). It prints, formats,
// logs and marshals as [REDACTED]; only Reveal gives the value, at the one place that must send it.
type Pass struct{ value string }

// NewPass wraps a secret value.
func NewPass(v string) Pass { return Pass{value: v} }

// Reveal returns the secret value.
func (p Pass) Reveal() string { return p.value }

// IsZero reports whether the pass holds nothing.
func (p Pass) IsZero() bool { return p.value == "" }

// String implements fmt.Stringer without the value.
func (p Pass) String() string { return redacted }

// GoString implements fmt.GoStringer without the value.
func (p Pass) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb (%d, %x, %q, ...) prints [REDACTED].
func (p Pass) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer without the value.
func (p Pass) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON keeps the value out of JSON (and so out of Temporal payloads).
func (p Pass) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText keeps the value out of text encodings.
func (p Pass) MarshalText() ([]byte, error) { return []byte(redacted), nil }
